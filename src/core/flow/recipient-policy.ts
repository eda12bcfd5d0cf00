// The policy stages that decide per recipient (DESIGN.md mail flow, stages 2 and 3): the
// boundary of internal-only accounts and who may send to a mail group. They answer at RCPT
// TO for SMTP, and inside process() for every other way a message enters, so the same
// message meets the same rules whichever door it came through.
import { domainOf, type Address } from "../../mail/address.js";
import type { User } from "../accounts/types.js";
import type { Store } from "../ports/store.js";
import type { Company } from "./company.js";
import { accountFlowSettingsSchema, groupFlowSettingsSchema, readFlowSettings, type GroupFlowSettings } from "./flow-settings.js";
import { resolveAddress, type Resolved } from "./recipients.js";
import type { TraceStage } from "./trace.js";
import type { Origin } from "./types.js";

type Reader = Omit<Store, "transaction" | "close">;

export interface PolicyRefusal {
  readonly stage: Extract<TraceStage, "boundary" | "group_permissions">;
  /** The stage's own code for the trace. */
  readonly code: "internal_only_sender" | "internal_only_recipient" | "group_senders";
  /** Safe for the sender: names the rule, never a member list. */
  readonly text: string;
}

/** Who is sending, as far as the policies can tell. */
interface Sender {
  /** Our authenticated user (submission), or null for mail from outside or from the server. */
  readonly user: User | null;
  /** The envelope sender; for an authenticated user, an address they own (checked at MAIL FROM). */
  readonly address: Address | null;
}

export async function senderOf(store: Reader, origin: Origin, mailFrom: Address | null): Promise<Sender> {
  if (origin.kind !== "submission") return { user: null, address: mailFrom };
  return { user: (await store.users.findById(origin.userId)) ?? null, address: mailFrom ?? origin.user };
}

/** The account's own setting, else its domain's default. */
export async function internalOnly(store: Reader, company: Company, user: User): Promise<{ on: boolean; partial: boolean }> {
  const account = readFlowSettings(accountFlowSettingsSchema, await store.flowSettings.getUser(user.id));
  const defaults = company.settingsOf(user.domainId);
  return { on: account.internalOnly ?? defaults.internalOnly, partial: defaults.internalOnlyPartial };
}

/**
 * Null when the recipient may get this sender's mail; else the rule that refuses it.
 * System mail (bounces, notices) is the server's own and passes.
 */
export async function recipientRefusal(store: Reader, company: Company, origin: Origin, sender: Sender, recipient: Address, found: Resolved): Promise<PolicyRefusal | null> {
  if (origin.kind === "system") return null;
  const senderDomain = sender.user ? domainOf(sender.user.address) : null;
  // Stage 2, the sender's side: an internal-only account writes only inside the company.
  if (sender.user && (await internalOnly(store, company, sender.user)).on) {
    const inside = found.kind !== "remote" && senderDomain !== null && company.same(senderDomain, domainOf(recipient));
    if (!inside) return { stage: "boundary", code: "internal_only_sender", text: `${sender.user.address} may send only inside the company; ${recipient} is outside` };
  }
  // Stage 2, the recipient's side: an internal-only account hears only from inside.
  if (found.kind === "user" && (await internalOnly(store, company, found.user)).on) {
    const inside = senderDomain !== null && company.same(senderDomain, domainOf(recipient));
    if (!inside) return { stage: "boundary", code: "internal_only_recipient", text: `${recipient} accepts mail only from inside the company` };
  }
  // Stage 3: who may send to a mail group — also when an alias leads to it.
  found = await throughAliases(store, found);
  if (found.kind === "group") {
    const settings = readFlowSettings(groupFlowSettingsSchema, await store.flowSettings.getGroup(found.groupId));
    if (!(await groupAllows(store, company, settings, found.groupId, recipient, sender))) {
      return { stage: "group_permissions", code: "group_senders", text: `You are not allowed to send to the group ${recipient}` };
    }
  }
  return null;
}

/** An alias's final target (aliases may chain; a loop or a long chain ends where it is). */
async function throughAliases(store: Reader, found: Resolved): Promise<Resolved> {
  for (let hop = 0; found.kind === "alias" && hop < 10; hop++) found = await resolveAddress(store, found.target);
  return found;
}

async function groupAllows(store: Reader, company: Company, settings: GroupFlowSettings, groupId: number, group: Address, sender: Sender): Promise<boolean> {
  const senderDomain = sender.user ? domainOf(sender.user.address) : null;
  const listed = () => sender.address !== null && (settings.allow.includes(sender.address) || settings.allow.includes(domainOf(sender.address)));
  const member = async () => {
    // Mail from outside proves nothing but its envelope sender: an external member's address.
    const claimed = new Set([sender.address, sender.user?.address].filter((a): a is Address => a !== null && a !== undefined));
    return (await store.groups.listMembers(groupId)).some((m) => (m.kind === "user" && sender.user ? m.userId === sender.user.id : claimed.has(m.address)));
  };
  switch (settings.senders) {
    case "anyone":
      return true;
    case "same-domain":
      return senderDomain === domainOf(group);
    case "company":
      return senderDomain !== null && company.same(senderDomain, domainOf(group));
    case "members":
      return member();
    case "allowlist":
      return listed();
    case "members+allowlist":
      return listed() || (await member());
  }
}
