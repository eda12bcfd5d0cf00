// The mailbox operations IMAP, POP3 and the web API share, by user id and mailbox name. Each
// write is one transaction that locks the mailbox row first; events are published, and
// released blobs removed, only after the commit. Protocol sessions map the MoatError codes:
// mailbox_not_found → NO [TRYCREATE] (APPEND/COPY/MOVE) or NO [NONEXISTENT], over_quota →
// NO [OVERQUOTA], mailbox_exists → NO [ALREADYEXISTS], mailbox_protected/_not_empty → NO [CANNOT].
import { MoatError } from "../../shared/errors.js";
import type { EpochMs } from "../accounts/types.js";
import type { BlobStore } from "../ports/blobs.js";
import type { Clock } from "../ports/clock.js";
import type { Mailbox, MailboxStatus, SpecialUse, StoredMessage, UidSet } from "../ports/mailstore.js";
import type { Store } from "../ports/store.js";
import type { MailboxEvents } from "./events.js";
import { appendAll, type AppendInput } from "./append.js";
import { checkQuota, copyIn, expungeIn, lockBox, removeReleased, type CopyResult, type ExpungeResult } from "./mutations.js";
import { applyFlags, cleanFlags, hasFlag, mailboxName, sameFlags, type FlagMode } from "./names.js";
import { MailStore } from "./service.js";
import { MailboxSnapshots, type MailboxSnapshot } from "./snapshots.js";
import { createIn, deleteIn, renameIn } from "./tree.js";

export type { AppendInput } from "./append.js";
export type { CopyResult, ExpungeResult } from "./mutations.js";

export interface AppendResult {
  readonly uidValidity: number;
  readonly uid: number;
  readonly modseq: number;
}

export interface FlagsChange {
  readonly mode: FlagMode;
  readonly flags: readonly string[];
  /** CONDSTORE UNCHANGEDSINCE (RFC 7162 §3.1.3): only messages whose MODSEQ is at most this. */
  readonly unchangedSince?: number;
}

export interface FlagsResult {
  /** Messages whose flags changed, with their new flags and MODSEQ. */
  readonly changed: readonly StoredMessage[];
  /** UIDs refused by UNCHANGEDSINCE (the MODIFIED response code). */
  readonly failed: readonly number[];
  readonly highestModseq: number;
}

export interface SelectResult {
  readonly mailbox: Mailbox;
  /** The messages (shared with other sessions: never change them), their UIDs, flags, keywords, first unseen. */
  readonly snapshot: MailboxSnapshot;
  readonly messages: readonly StoredMessage[];
  /** UIDs in [from, to) are \Recent in this session (RFC 3501 §2.3.2); none when read-only. */
  readonly recent: { readonly from: number; readonly to: number };
}

export class MailboxOperations {
  private readonly mailstore: MailStore;
  /** The message rows of recently read mailboxes, shared by this process's sessions (decision 0017). */
  readonly snapshots: MailboxSnapshots;

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
    private readonly events: MailboxEvents,
  ) {
    this.mailstore = new MailStore(store, blobs, clock);
    this.snapshots = new MailboxSnapshots(store.messageState);
  }

  // ---- Mailboxes

  /** Ordered by name. */
  list(userId: number): Promise<Mailbox[]> {
    return this.store.mailboxes.list(userId);
  }

  async get(userId: number, name: string): Promise<Mailbox> {
    const box = await this.store.mailboxes.findByName(userId, mailboxName(name));
    // A \Noselect name has no messages to read, take or be given (RFC 3501 §6.3.4).
    if (box?.noselect === true) throw new MoatError("mailbox_not_found");
    if (!box) throw new MoatError("mailbox_not_found");
    return box;
  }

  // async, so a bad name rejects like every other failure instead of throwing synchronously.
  async create(userId: number, name: string, specialUse: SpecialUse | null = null): Promise<Mailbox> {
    const canonical = mailboxName(name);
    return this.store.transaction((tx) => createIn(tx, userId, canonical, specialUse, this.clock.now()));
  }

  async rename(userId: number, from: string, to: string): Promise<void> {
    const [source, target] = [mailboxName(from), mailboxName(to)];
    const result = await this.store.transaction((tx) => renameIn(tx, userId, source, target, this.clock.now()));
    const inbox = result.inboxExpunged;
    if (inbox && inbox.uids.length > 0) this.events.publish({ userId, mailboxId: inbox.mailboxId, kind: "expunge", uids: inbox.uids, modseq: inbox.modseq });
  }

  async delete(userId: number, name: string): Promise<void> {
    const canonical = mailboxName(name);
    const result = await this.store.transaction((tx) => deleteIn(tx, userId, canonical));
    await removeReleased(this.store, this.blobs, result.released);
    // Sessions with the mailbox selected learn that every message is gone.
    this.events.publish({ userId, mailboxId: result.mailboxId, kind: "expunge", uids: result.uids, modseq: result.modseq });
  }

  /** Only an existing mailbox can be subscribed; the subscription then outlives it (RFC 3501 §6.3.6). */
  async subscribe(userId: number, name: string): Promise<void> {
    const box = await this.get(userId, name);
    await this.store.mailboxTree.setSubscribed(userId, box.name, true);
  }

  /** Works on a name whose mailbox is gone, so a \NonExistent subscription can be dropped. */
  async unsubscribe(userId: number, name: string): Promise<void> {
    const canonical = mailboxName(name);
    if (await this.store.mailboxTree.setSubscribed(userId, canonical, false)) return;
    await this.get(userId, canonical); // neither subscribed nor a mailbox: NONEXISTENT
  }

  /** The user's subscribed names, existing mailboxes or not. */
  subscriptions(userId: number): Promise<string[]> {
    return this.store.mailboxTree.subscriptions(userId);
  }

  async status(userId: number, name: string): Promise<MailboxStatus> {
    const status = await this.store.mailboxTree.status((await this.get(userId, name)).id);
    if (!status) throw new MoatError("mailbox_not_found");
    return status;
  }

  /** The user's storage quota (RFC 9208 STORAGE): bytes used and the limit, 0 meaning none. */
  async quota(userId: number): Promise<{ usedBytes: number; limitBytes: number }> {
    const user = await this.store.users.findById(userId);
    if (!user) throw new MoatError("user_not_found");
    return { usedBytes: await this.store.quota.usage(userId), limitBytes: user.quotaBytes };
  }

  /** SELECT (claims \Recent) or, read-only, EXAMINE. */
  async select(userId: number, name: string, readOnly = false): Promise<SelectResult> {
    const box = await this.get(userId, name);
    if (readOnly) {
      const snapshot = await this.snapshots.get(box);
      return { mailbox: box, snapshot, messages: snapshot.messages, recent: { from: box.uidNext, to: box.uidNext } };
    }
    const recent = await this.claimRecentOf(box);
    // Counters as of the claim: mail that came meanwhile is in the snapshot and this session's \Recent.
    const mailbox = recent.to === box.uidNext ? box : ((await this.store.mailboxTree.findById(box.id)) ?? box);
    const snapshot = await this.snapshots.get(mailbox);
    return { mailbox, snapshot, messages: snapshot.messages, recent };
  }

  /**
   * \Recent for mail that arrived while a session had the mailbox selected: the UIDs no session
   * has claimed yet become this session's (RFC 3501 §2.3.2), [from, to).
   */
  async claimRecent(userId: number, name: string): Promise<{ from: number; to: number }> {
    return this.claimRecentOf(await this.get(userId, name));
  }

  /**
   * Most SELECTs find nothing unclaimed: the mailbox row just read says so, and that answer is
   * as right as a claim made a moment later (it would see the same or newer mail), so it costs
   * no second query (decision 0033). Otherwise the store's compare-and-set claims.
   */
  private async claimRecentOf(box: Mailbox): Promise<{ from: number; to: number }> {
    if (box.firstRecentUid >= box.uidNext) return { from: box.uidNext, to: box.uidNext };
    return this.store.mailboxTree.claimRecent(box.id);
  }

  // ---- Messages

  /** In UID order; all of them when `uids` is omitted. Answered from the mailbox's snapshot. */
  async messages(userId: number, name: string, uids?: UidSet): Promise<readonly StoredMessage[]> {
    const snapshot = await this.snapshots.get(await this.get(userId, name));
    return uids === undefined ? snapshot.messages : snapshot.pick(uids);
  }

  async changedSince(userId: number, name: string, modseq: number): Promise<StoredMessage[]> {
    return this.store.messageState.changedSince((await this.get(userId, name)).id, modseq);
  }

  async vanishedSince(userId: number, name: string, modseq: number): Promise<number[]> {
    return this.store.messageState.vanishedSince((await this.get(userId, name)).id, modseq);
  }

  /** The raw bytes of a stored message. */
  async read(message: StoredMessage): Promise<Buffer> {
    const raw = await this.mailstore.read(message.bodyHash);
    if (!raw) throw new MoatError("internal", "message body missing");
    return raw;
  }

  /** read() for several messages at once (a FETCH of a range), by body hash. */
  async readMany(messages: readonly StoredMessage[]): Promise<Map<string, Buffer>> {
    return this.mailstore.readMany(messages.map((m) => m.bodyHash));
  }

  /** The bodies kept in the database (one query), by hash; those in the blob store and gone ones are left out. */
  async readInlineMany(messages: readonly StoredMessage[]): Promise<Map<string, Buffer>> {
    return this.mailstore.readInlineMany(messages.map((m) => m.bodyHash));
  }

  /** APPEND (RFC 3501 §6.3.11), indexed on the way in like delivered mail. */
  async append(userId: number, name: string, raw: Buffer, flags: readonly string[] = [], internalDate?: EpochMs): Promise<AppendResult> {
    const [result] = await this.appendMany(userId, name, [{ raw, flags, internalDate }]);
    return result!;
  }

  /** MULTIAPPEND (RFC 3502): every message or none; results in the order given, UIDs ascending. */
  async appendMany(userId: number, name: string, inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    const canonical = mailboxName(name);
    if (inputs.length === 0) return [];
    const { box, messages } = await appendAll({ store: this.store, blobs: this.blobs, clock: this.clock, mailstore: this.mailstore }, userId, canonical, inputs);
    const last = messages[messages.length - 1]!;
    this.events.publish({ userId, mailboxId: box.id, kind: "exists", uids: messages.map((m) => m.uid), modseq: last.modseq });
    return messages.map((m) => ({ uidValidity: box.uidValidity, uid: m.uid, modseq: m.modseq }));
  }

  /** STORE / UID STORE: one new MODSEQ for every message the change touches. */
  async setFlags(userId: number, name: string, uids: UidSet, change: FlagsChange): Promise<FlagsResult> {
    const canonical = mailboxName(name);
    const wanted = cleanFlags(change.flags);
    const result = await this.store.transaction(async (tx) => {
      const box = await lockBox(tx, userId, canonical);
      const failed: number[] = [];
      const updates: Array<{ message: StoredMessage; flags: string[] }> = [];
      for (const message of await tx.messageState.select(box.id, uids)) {
        if (change.unchangedSince !== undefined && message.modseq > change.unchangedSince) failed.push(message.uid);
        else {
          const flags = applyFlags(message.flags, change.mode, wanted);
          if (!sameFlags(flags, message.flags)) updates.push({ message, flags });
        }
      }
      if (updates.length === 0) return { changed: [], failed, highestModseq: box.highestModseq, mailboxId: box.id };
      const { modseq } = await tx.mailboxTree.advance(box.id, 0);
      await tx.messageState.setFlags(box.id, updates.map((u) => ({ uid: u.message.uid, flags: u.flags })), modseq);
      const changed = updates.map((u) => ({ ...u.message, flags: u.flags, modseq }));
      return { changed, failed, highestModseq: modseq, mailboxId: box.id };
      // A group commit, answered at its commit without waiting for the disk flush (decision
      // 0037): committed and seen by every session, kept across a crash of the process; a
      // crash of the machine may lose the last moment's flag changes, never a message.
    }, { group: true, durable: false });
    if (result.changed.length > 0) {
      this.events.publish({ userId, mailboxId: result.mailboxId, kind: "flags", uids: result.changed.map((m) => m.uid), modseq: result.highestModseq });
    }
    return { changed: result.changed, failed: result.failed, highestModseq: result.highestModseq };
  }

  /** COPY: new rows in the target naming the same bodies, charged to the quota. */
  async copy(userId: number, from: string, uids: UidSet, to: string): Promise<CopyResult> {
    const [source, target] = [mailboxName(from), mailboxName(to)];
    const result = await this.store.transaction(async (tx) => {
      const box = await lockBox(tx, userId, target);
      const messages = await tx.messageState.select((await this.boxIn(tx, userId, source)).id, uids);
      await checkQuota(tx, userId, messages.reduce((sum, m) => sum + m.size, 0));
      return { box, copied: await copyIn(tx, box, messages) };
    });
    this.publishExists(userId, result.box.id, result.copied);
    return result.copied;
  }

  /** MOVE (RFC 6851): copy and expunge in one transaction; the quota is unchanged. */
  async move(userId: number, from: string, uids: UidSet, to: string): Promise<CopyResult & { expunged: ExpungeResult }> {
    const [source, target] = [mailboxName(from), mailboxName(to)];
    const result = await this.store.transaction(async (tx) => {
      // Both rows locked in id order, so a MOVE each way between two mailboxes cannot deadlock.
      const [a, b] = [await this.boxIn(tx, userId, source), await this.boxIn(tx, userId, target)];
      const locked = new Map<number, Mailbox>();
      for (const id of [a.id, b.id].sort((x, y) => x - y)) locked.set(id, (await tx.mailboxTree.lock(id))!);
      const messages = await tx.messageState.select(a.id, uids);
      const copied = await copyIn(tx, locked.get(b.id)!, messages);
      const expunged = await expungeIn(tx, locked.get(a.id)!, messages);
      return { sourceId: a.id, targetId: b.id, copied, expunged };
    });
    this.publishExists(userId, result.targetId, result.copied);
    if (result.expunged.uids.length > 0) {
      this.events.publish({ userId, mailboxId: result.sourceId, kind: "expunge", uids: result.expunged.uids, modseq: result.expunged.modseq });
    }
    return { ...result.copied, expunged: result.expunged };
  }

  /** EXPUNGE (every \Deleted message) or UID EXPUNGE (only those of them in `uids`, RFC 4315). */
  async expunge(userId: number, name: string, uids?: UidSet): Promise<ExpungeResult> {
    return this.expungeWhere(userId, name, uids, (m) => hasFlag(m.flags, "\\Deleted"));
  }

  /** POP3's UPDATE state (RFC 1939 §6): exactly these messages, whatever their flags, in one transaction. */
  async expungeUids(userId: number, name: string, uids: UidSet): Promise<ExpungeResult> {
    return this.expungeWhere(userId, name, uids, () => true);
  }

  private async expungeWhere(userId: number, name: string, uids: UidSet | undefined, chosen: (m: StoredMessage) => boolean): Promise<ExpungeResult> {
    const canonical = mailboxName(name);
    const result = await this.store.transaction(async (tx) => {
      const box = await lockBox(tx, userId, canonical);
      const deleted = (await tx.messageState.select(box.id, uids)).filter(chosen);
      return { box, expunged: await expungeIn(tx, box, deleted) };
    });
    await removeReleased(this.store, this.blobs, result.expunged.released);
    if (result.expunged.uids.length > 0) {
      this.events.publish({ userId, mailboxId: result.box.id, kind: "expunge", uids: result.expunged.uids, modseq: result.expunged.modseq });
    }
    return result.expunged;
  }

  private async boxIn(tx: Pick<Store, "mailboxes">, userId: number, name: string): Promise<Mailbox> {
    const box = await tx.mailboxes.findByName(userId, name);
    if (!box || box.noselect) throw new MoatError("mailbox_not_found");
    return box;
  }

  private publishExists(userId: number, mailboxId: number, copied: CopyResult): void {
    if (copied.targetUids.length === 0) return;
    this.events.publish({ userId, mailboxId, kind: "exists", uids: copied.targetUids, modseq: copied.modseq });
  }
}
