// Create, rename and delete of mailboxes, each inside the caller's transaction. Names are
// already normalised (names.ts). What RFC 3501 §6.3.3–6.3.5 asks, kept simple:
//   - CREATE makes missing superior names; RENAME moves children with the parent.
//   - RENAME INBOX moves its messages to a new mailbox and leaves INBOX, empty, in place.
//   - DELETE refuses INBOX. A mailbox with children loses its messages and stays as a
//     \Noselect name above them (§6.3.4); deleting a \Noselect name that still has children
//     is refused, one without children goes. CREATE makes a \Noselect name selectable again.
import { MoatError } from "../../shared/errors.js";
import type { EpochMs } from "../accounts/types.js";
import type { Mailbox, SpecialUse } from "../ports/mailstore.js";
import { expungeIn, lockBox, type ExpungeResult, type Tx } from "./mutations.js";
import { isInside, parentsOf } from "./names.js";

/**
 * UIDVALIDITY counts seconds, as Dovecot's does, and never repeats for the user. A mailbox
 * made here is not subscribed: SUBSCRIBE is the client's choice (RFC 3501 §6.3.6; Thunderbird
 * and Apple Mail send it right after CREATE), so LSUB shows exactly what the user picked.
 */
async function insertBox(tx: Tx, userId: number, name: string, specialUse: SpecialUse | null, now: EpochMs): Promise<Mailbox | undefined> {
  const uidValidity = await tx.mailboxTree.nextUidValidity(userId, Math.floor(now / 1000));
  return tx.mailboxTree.insert(userId, { name, specialUse, uidValidity, now });
}

async function createParents(tx: Tx, userId: number, name: string, now: EpochMs): Promise<void> {
  for (const parent of parentsOf(name)) {
    if (!(await tx.mailboxes.findByName(userId, parent))) await insertBox(tx, userId, parent, null, now);
  }
}

export async function createIn(tx: Tx, userId: number, name: string, specialUse: SpecialUse | null, now: EpochMs): Promise<Mailbox> {
  const existing = name === "INBOX" ? undefined : await tx.mailboxes.findByName(userId, name);
  if (existing?.noselect === true) {
    // Its UIDs were never reused (UIDNEXT stayed), so the mailbox keeps its UIDVALIDITY.
    await tx.mailboxTree.setNoselect(existing.id, false);
    return { ...existing, noselect: false };
  }
  if (name === "INBOX" || existing) throw new MoatError("mailbox_exists");
  await createParents(tx, userId, name, now);
  const box = await insertBox(tx, userId, name, specialUse, now);
  if (!box) throw new MoatError("mailbox_exists");
  return box;
}

/** What a rename did to open sessions: INBOX loses its messages, other mailboxes only move. */
export interface RenameResult {
  readonly inboxExpunged?: ExpungeResult & { readonly mailboxId: number };
}

export async function renameIn(tx: Tx, userId: number, from: string, to: string, now: EpochMs): Promise<RenameResult> {
  if (from === to || to === "INBOX") throw new MoatError("mailbox_exists");
  if (isInside(to, from)) throw new MoatError("invalid_input", "a mailbox cannot move inside itself");
  const source = await lockBox(tx, userId, from, true);
  if (from === "INBOX") return { inboxExpunged: await renameInbox(tx, source, to, now) };

  // Check every new name first: a unique violation would abort a PostgreSQL transaction.
  const names = new Set((await tx.mailboxes.list(userId)).map((b) => b.name));
  for (const name of names) {
    if (name !== from && !isInside(name, from)) continue;
    if (names.has(to + name.slice(from.length))) throw new MoatError("mailbox_exists");
  }
  await createParents(tx, userId, to, now);
  await tx.mailboxTree.renameTree(userId, from, to);
  return {};
}

/** RFC 3501 §6.3.5: INBOX's messages go to the new mailbox; INBOX and its children stay. */
async function renameInbox(tx: Tx, inbox: Mailbox, to: string, now: EpochMs): Promise<ExpungeResult & { mailboxId: number }> {
  if (await tx.mailboxes.findByName(inbox.userId, to)) throw new MoatError("mailbox_exists");
  await createParents(tx, inbox.userId, to, now);
  const target = await insertBox(tx, inbox.userId, to, null, now);
  if (!target) throw new MoatError("mailbox_exists");
  const messages = await tx.messageState.select(inbox.id);
  // The new mailbox has a UIDVALIDITY of its own, so the messages keep their UIDs there.
  await tx.mailboxTree.raise(target.id, inbox.uidNext, 1);
  const { modseq } = await tx.mailboxTree.advance(target.id, 0);
  await tx.messageState.moveAll(inbox.id, target.id, modseq);
  // INBOX keeps its UIDVALIDITY, so its old UIDs are tombstoned like any expunge. The rows
  // are already gone; expunge() then only writes the tombstones. Quota is unchanged.
  if (messages.length === 0) return { uids: [], modseq: inbox.highestModseq, released: [], mailboxId: inbox.id };
  const counters = await tx.mailboxTree.advance(inbox.id, 0);
  const uids = messages.map((m) => m.uid);
  await tx.messageState.expunge(inbox.id, uids, counters.modseq);
  return { uids, modseq: counters.modseq, released: [], mailboxId: inbox.id };
}

export async function deleteIn(tx: Tx, userId: number, name: string): Promise<ExpungeResult & { mailboxId: number }> {
  if (name === "INBOX") throw new MoatError("mailbox_protected");
  const box = await lockBox(tx, userId, name, true);
  const children = await tx.mailboxTree.hasChildren(userId, name);
  if (children && box.noselect) throw new MoatError("mailbox_not_empty");
  const messages = await tx.messageState.select(box.id);
  // Expunged like any message (quota credited, bodies released); the tombstones then go with the row.
  const expunged = await expungeIn(tx, box, messages);
  if (children) await tx.mailboxTree.setNoselect(box.id, true);
  else await tx.mailboxTree.remove(box.id);
  return { ...expunged, mailboxId: box.id };
}
