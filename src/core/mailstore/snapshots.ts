// The message rows of a mailbox, kept in memory and shared by every session of this process
// (decision 0017). A snapshot is tagged with the mailbox's HIGHESTMODSEQ: every change to a
// mailbox's messages (delivery, APPEND, COPY/MOVE in, STORE, EXPUNGE) takes a new MODSEQ in the
// same transaction, so a snapshot whose tag equals the row's HIGHESTMODSEQ is the mailbox as
// stored, whichever process or node changed it. A stale one is brought up to date with what
// changed since its tag (CONDSTORE's CHANGEDSINCE and QRESYNC's tombstones), not read again.
import type { Mailbox, MessageStateRepository, StoredMessage, UidSet } from "../ports/mailstore.js";
import { hasFlag } from "./names.js";

/** One version of a mailbox's messages, never changed once made: sessions share it. */
export class MailboxSnapshot {
  #uids: readonly number[] | undefined;
  #flags: ReadonlyMap<number, readonly string[]> | undefined;
  #keywords: ReadonlyMap<string, string> | undefined;
  #firstUnseen: number | undefined;

  constructor(
    readonly mailboxId: number,
    readonly uidValidity: number,
    readonly createdAt: number,
    /** The mailbox's HIGHESTMODSEQ this snapshot is at least as new as. */
    readonly highestModseq: number,
    /** In UID order. */
    readonly messages: readonly StoredMessage[],
  ) {}

  get uids(): readonly number[] {
    return (this.#uids ??= this.messages.map((m) => m.uid));
  }

  get flags(): ReadonlyMap<number, readonly string[]> {
    return (this.#flags ??= new Map(this.messages.map((m) => [m.uid, m.flags])));
  }

  /** Keywords in use, lower-cased → the first spelling in UID order. */
  get keywords(): ReadonlyMap<string, string> {
    if (this.#keywords) return this.#keywords;
    const out = new Map<string, string>();
    for (const m of this.messages) {
      for (const flag of m.flags) if (!flag.startsWith("\\") && !out.has(flag.toLowerCase())) out.set(flag.toLowerCase(), flag);
    }
    return (this.#keywords = out);
  }

  /** The sequence number of the first message without \Seen; 0 when every message is seen. */
  get firstUnseen(): number {
    return (this.#firstUnseen ??= this.messages.findIndex((m) => !hasFlag(m.flags, "\\Seen")) + 1);
  }

  /** The messages in any of the UID ranges, in UID order. */
  pick(uids: UidSet): StoredMessage[] {
    const out: StoredMessage[] = [];
    const ranges = uids.map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const).sort((x, y) => x[0] - y[0]);
    let next = 0; // ranges may overlap: never return a message twice
    for (const [from, to] of ranges) {
      for (let i = Math.max(next, lowerBound(this.messages, from)); i < this.messages.length && this.messages[i]!.uid <= to; i++) {
        out.push(this.messages[i]!);
        next = i + 1;
      }
    }
    return out;
  }

  matches(box: Mailbox): boolean {
    return this.mailboxId === box.id && this.uidValidity === box.uidValidity && this.createdAt === box.createdAt;
  }

  /** A newer version: `changed` rows replace or join the messages, `vanished` UIDs leave. */
  advance(highestModseq: number, changed: readonly StoredMessage[], vanished: readonly number[]): MailboxSnapshot {
    if (changed.length === 0 && vanished.length === 0) {
      // Only the tag moves (a change this snapshot already held): keep what was worked out.
      const same = new MailboxSnapshot(this.mailboxId, this.uidValidity, this.createdAt, highestModseq, this.messages);
      [same.#uids, same.#flags, same.#keywords, same.#firstUnseen] = [this.#uids, this.#flags, this.#keywords, this.#firstUnseen];
      return same;
    }
    const gone = new Set(vanished);
    const byUid = new Map(changed.map((m) => [m.uid, m]));
    const merged: StoredMessage[] = [];
    for (const m of this.messages) {
      if (gone.has(m.uid)) continue;
      const fresh = byUid.get(m.uid);
      merged.push(fresh ?? m);
      if (fresh) byUid.delete(m.uid);
    }
    const last = merged[merged.length - 1]?.uid ?? 0;
    let sorted = true;
    for (const m of byUid.values()) {
      if (gone.has(m.uid)) continue;
      if (m.uid <= last) sorted = false;
      merged.push(m);
    }
    if (!sorted) merged.sort((a, b) => a.uid - b.uid);
    return new MailboxSnapshot(this.mailboxId, this.uidValidity, this.createdAt, highestModseq, merged);
  }
}

/** Index of the first message whose UID is at least `uid`. */
function lowerBound(messages: readonly StoredMessage[], uid: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid]!.uid < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SnapshotLimits {
  /** Messages kept over all cached mailboxes; the least recently used mailboxes go first. */
  readonly maxMessages: number;
}

/**
 * The snapshots of the mailboxes sessions read lately. `get(box)` takes the mailbox row the
 * caller has just read: equal HIGHESTMODSEQ → the cached snapshot, no query; older → the rows
 * changed since and the UIDs expunged since (two indexed queries); none → every row, once.
 */
export class MailboxSnapshots {
  readonly #cache = new Map<number, MailboxSnapshot>();
  readonly #loading = new Map<number, { modseq: number; promise: Promise<MailboxSnapshot> }>();
  #messages = 0;
  /** The snapshot touch() last moved to the end of #cache. */
  #lastTouched: MailboxSnapshot | undefined;

  constructor(
    private readonly rows: Pick<MessageStateRepository, "select" | "changedSince" | "vanishedSince">,
    private readonly limits: SnapshotLimits = { maxMessages: 100_000 },
  ) {}

  /** How many rows were read from the store for snapshots (tests: a hit reads none). */
  rowsRead = 0;

  async get(box: Mailbox): Promise<MailboxSnapshot> {
    const cached = this.#cache.get(box.id);
    if (cached && cached.matches(box) && cached.highestModseq >= box.highestModseq) {
      this.touch(cached);
      return cached;
    }
    // Sessions selecting the same mailbox at once share one read.
    const inflight = this.#loading.get(box.id);
    if (inflight && inflight.modseq >= box.highestModseq) return inflight.promise;
    const base = cached?.matches(box) ? cached : undefined;
    const promise = this.load(box, base).finally(() => {
      if (this.#loading.get(box.id)?.promise === promise) this.#loading.delete(box.id);
    });
    this.#loading.set(box.id, { modseq: box.highestModseq, promise });
    return promise;
  }

  /** Drops a mailbox's snapshot (deleted). */
  forget(mailboxId: number): void {
    const cached = this.#cache.get(mailboxId);
    if (!cached) return;
    this.#cache.delete(mailboxId);
    this.#messages -= cached.messages.length;
  }

  private async load(box: Mailbox, base: MailboxSnapshot | undefined): Promise<MailboxSnapshot> {
    // Rows read after the mailbox row may be newer than its HIGHESTMODSEQ, never older; the
    // tag errs low, and bringing a snapshot forward twice over the same change is harmless.
    let snapshot: MailboxSnapshot;
    if (base) {
      const [changed, vanished] = [await this.rows.changedSince(box.id, base.highestModseq), await this.rows.vanishedSince(box.id, base.highestModseq)];
      this.rowsRead += changed.length;
      snapshot = base.advance(box.highestModseq, changed, vanished);
    } else {
      const messages = await this.rows.select(box.id);
      this.rowsRead += messages.length;
      snapshot = new MailboxSnapshot(box.id, box.uidValidity, box.createdAt, box.highestModseq, messages);
    }
    const current = this.#cache.get(box.id);
    // A concurrent load may have stored a newer version meanwhile: keep that one.
    if (!current || !current.matches(box) || current.highestModseq <= snapshot.highestModseq) {
      this.forget(box.id);
      this.#cache.set(box.id, snapshot);
      this.#lastTouched = snapshot;
      this.#messages += snapshot.messages.length;
      this.evict(box.id);
    }
    return snapshot;
  }

  private touch(snapshot: MailboxSnapshot): void {
    // Already the most recently used (a session selecting its mailbox again and again): moving
    // it would delete from the Map and add again, which shrinks and regrows its table.
    if (this.#lastTouched === snapshot) return;
    this.#lastTouched = snapshot;
    this.#cache.delete(snapshot.mailboxId);
    this.#cache.set(snapshot.mailboxId, snapshot);
  }

  private evict(keep: number): void {
    for (const id of this.#cache.keys()) {
      if (this.#messages <= this.limits.maxMessages) return;
      if (id !== keep) this.forget(id);
    }
  }
}
