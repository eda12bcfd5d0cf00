// The steps several operations share, each run inside the caller's transaction: the quota
// check, copying rows (COPY, MOVE), expunging rows with tombstones (EXPUNGE, MOVE, DELETE),
// and, after the commit, removing blobs that nothing references any more.
import { MoatError } from "../../shared/errors.js";
import type { BlobStore } from "../ports/blobs.js";
import type { Mailbox, StoredMessage } from "../ports/mailstore.js";
import type { Store } from "../ports/store.js";

export type Tx = Omit<Store, "transaction" | "close">;

/** Refuses `bytes` more for the user when that would pass the quota (0 means none). */
export async function checkQuota(tx: Tx, userId: number, bytes: number): Promise<void> {
  const user = await tx.users.findById(userId);
  if (!user || user.quotaBytes <= 0) return;
  // APPEND and COPY are refused before the quota would be passed, unlike SMTP delivery, which
  // accepts while the mailbox is not yet full: a user can free space and retry, a sender cannot.
  if ((await tx.quota.usage(userId)) + bytes > user.quotaBytes) throw new MoatError("over_quota");
}

/** Locks the mailbox row (see MailboxTreeRepository.lock) or throws mailbox_not_found. */
/** A \Noselect mailbox is not found unless `noselect` (RENAME and DELETE take it). */
export async function lockBox(tx: Tx, userId: number, name: string, noselect = false): Promise<Mailbox> {
  const found = await tx.mailboxes.findByName(userId, name);
  const box = found && (noselect || !found.noselect) ? await tx.mailboxTree.lock(found.id) : undefined;
  if (!box) throw new MoatError("mailbox_not_found");
  return box;
}

export interface CopyResult {
  /** The target's UIDVALIDITY, for COPYUID (RFC 4315). */
  readonly uidValidity: number;
  readonly sourceUids: readonly number[];
  readonly targetUids: readonly number[];
  /** The target's HIGHESTMODSEQ after the copy. */
  readonly modseq: number;
}

/**
 * New rows in `target` naming the same bodies: no bytes are copied. One block of UIDs and one
 * MODSEQ for the whole copy, so the new UIDs are ascending in source order (RFC 4315 COPYUID).
 */
export async function copyIn(tx: Tx, target: Mailbox, messages: readonly StoredMessage[]): Promise<CopyResult> {
  if (messages.length === 0) return { uidValidity: target.uidValidity, sourceUids: [], targetUids: [], modseq: target.highestModseq };
  const counters = await tx.mailboxTree.advance(target.id, messages.length);
  const copies = messages.map((m, i) => ({
    uid: counters.firstUid + i,
    modseq: counters.modseq,
    bodyHash: m.bodyHash,
    size: m.size,
    flags: m.flags,
    internalDate: m.internalDate,
  }));
  await tx.messageState.insertCopies(target.id, copies);
  await tx.quota.add(target.userId, messages.reduce((sum, m) => sum + m.size, 0));
  return {
    uidValidity: counters.uidValidity,
    sourceUids: messages.map((m) => m.uid),
    targetUids: copies.map((c) => c.uid),
    modseq: counters.modseq,
  };
}

export interface ExpungeResult {
  /** Expunged UIDs, ascending. */
  readonly uids: readonly number[];
  /** The mailbox's HIGHESTMODSEQ after the expunge (the tombstones' MODSEQ). */
  readonly modseq: number;
  /** Blob-store bodies no row references any more: remove them after the commit. */
  readonly released: readonly string[];
}

/** Deletes the rows with a tombstone each, credits the quota and releases unreferenced bodies. */
export async function expungeIn(tx: Tx, box: Mailbox, messages: readonly StoredMessage[]): Promise<ExpungeResult> {
  if (messages.length === 0) return { uids: [], modseq: box.highestModseq, released: [] };
  const { modseq } = await tx.mailboxTree.advance(box.id, 0);
  const uids = messages.map((m) => m.uid).sort((a, b) => a - b);
  await tx.messageState.expunge(box.id, uids, modseq);
  await tx.quota.add(box.userId, -messages.reduce((sum, m) => sum + m.size, 0));
  const released = await tx.messageState.releaseBodies(messages.map((m) => m.bodyHash));
  return { uids, modseq, released };
}

/**
 * Removes released blobs once the deleting transaction has committed. A delivery of the same
 * bytes may have written the body row again since; its blob stays. One that has put the blob
 * but not yet committed is protected by the blob store itself: it keeps a blob a writer
 * touched within its grace period, and its sweep collects the rest later (blob-sweep.ts).
 */
export async function removeReleased(store: Store, blobs: BlobStore, hashes: readonly string[]): Promise<void> {
  for (const hash of hashes) {
    if (!(await store.messages.hasBody(hash))) await blobs.remove(hash);
  }
}
