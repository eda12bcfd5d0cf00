// Helpers of the delivery transaction that stores a DeliveryPlan (decision 0023): the mailbox
// each placement names, and the trace's delivery entries.
import type { Address } from "../../mail/address.js";
import type { EpochMs, User } from "../accounts/types.js";
import { createIn } from "../mailstore/tree.js";
import type { Store } from "../ports/store.js";
import type { DeliveryPlan, FolderRef } from "./copies.js";
import type { DmarcAction } from "./inbound-auth.js";
import type { TraceLog } from "./trace.js";

type Tx = Omit<Store, "transaction" | "close">;

/** The mailbox a placement names, inside the delivery transaction; the Inbox when it is gone. */
export async function folderOf(tx: Tx, user: User, folder: FolderRef, knownInbox: number | undefined, now: EpochMs): Promise<number | undefined> {
  const inboxId = async () => knownInbox ?? (await tx.mailboxes.findByName(user.id, "INBOX"))?.id;
  if (folder.kind === "inbox") return inboxId();
  if (folder.kind === "special") return (await tx.mailboxes.findSpecial(user.id, folder.use))?.id ?? inboxId();
  const box = await tx.mailboxes.findByName(user.id, folder.name);
  if (box && !box.noselect) return box.id;
  if (!folder.create) return inboxId();
  return (await createIn(tx, user.id, folder.name, null, now)).id;
}

/** The trace entries of the local copies, one per distinct set of folders. */
export function traceLocal(plan: DeliveryPlan, dmarc: DmarcAction, trace: TraceLog): void {
  const byText = new Map<string, Address[]>();
  for (const copy of plan.local) {
    if (copy.placements.length === 0) continue;
    const names = copy.placements.map((p) => (p.folder.kind === "inbox" ? "INBOX" : p.folder.kind === "special" ? "Junk" : p.folder.name));
    const text = names.every((n) => n === "INBOX") ? "delivered" : `delivered to ${[...new Set(names)].join(", ")}`;
    byText.set(text, [...(byText.get(text) ?? []), copy.user.address]);
  }
  for (const [text, recipients] of byText) {
    const quarantined = dmarc === "quarantine" && text === "delivered to Junk";
    trace.add({ stage: "delivery", decision: "deliver", recipients, reason: quarantined ? "dmarc_quarantine" : "delivered", text: quarantined ? "delivered to Junk (DMARC quarantine)" : text });
  }
}
