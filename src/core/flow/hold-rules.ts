// Who must wait, and for whom (pipeline stages 3 and 4): mail to a moderated group waits for
// its moderators (unless a moderator sends it and moderators are exempt); mail from an
// audited account — listed itself, or a member of a listed group — waits for its auditor.
import { type Address } from "../../mail/address.js";
import type { User } from "../accounts/types.js";
import type { Store } from "../ports/store.js";
import { domainFlowSettingsSchema, groupFlowSettingsSchema, readFlowSettings } from "./flow-settings.js";
import { resolveAddress } from "./recipients.js";

type Reader = Omit<Store, "transaction" | "close">;

export interface Moderation {
  readonly group: Address;
  readonly moderators: readonly Address[];
}

/** The moderated group this recipient is (or leads to through aliases), unless the sender is exempt. */
export async function moderationOf(store: Reader, sender: { user: User | null; address: Address | null }, recipient: Address): Promise<Moderation | null> {
  let found = await resolveAddress(store, recipient);
  let address = recipient;
  for (let hop = 0; found.kind === "alias" && hop < 10; hop++) {
    address = found.target;
    found = await resolveAddress(store, found.target);
  }
  if (found.kind !== "group") return null;
  const settings = readFlowSettings(groupFlowSettingsSchema, await store.flowSettings.getGroup(found.groupId));
  if (settings.moderators.length === 0) return null;
  const moderators = settings.moderators as Address[];
  const self = sender.user?.address ?? sender.address;
  if (settings.moderatorsExempt && self !== null && moderators.includes(self)) return null;
  return { group: address, moderators };
}

/** The auditor of this account's outgoing mail, if any rule of its domain names it or one of its groups. */
export async function auditorOf(store: Reader, user: User): Promise<{ auditor: Address; target: Address } | null> {
  const settings = readFlowSettings(domainFlowSettingsSchema, await store.flowSettings.getDomain(user.domainId));
  if (settings.audits.length === 0) return null;
  const direct = settings.audits.find((a) => a.target === user.address);
  if (direct) return { auditor: direct.auditor as Address, target: user.address };
  const groups = new Set<string>(await store.loginSettings.groupsOfUser(user.id));
  const viaGroup = settings.audits.find((a) => groups.has(a.target));
  // An auditor's own mail is not held for themselves.
  if (viaGroup && viaGroup.auditor !== user.address) return { auditor: viaGroup.auditor as Address, target: viaGroup.target as Address };
  return null;
}

/** The first lines of the text part, plainly, for lists and notifications. */
export function previewOf(message: Buffer): string {
  const end = message.indexOf("\r\n\r\n");
  const body = end < 0 ? "" : message.subarray(end + 4, end + 4 + 2000).toString("utf8");
  return body.replace(/\s+/g, " ").trim().slice(0, 200);
}
