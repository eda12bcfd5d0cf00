// The selected mailbox as this session sees it (RFC 3501 §2.3.1.2): the UIDs in sequence-number
// order and their flags. Other sessions' changes arrive from the events bus and wait here until
// the session may report them: EXISTS and FETCH FLAGS after any command, EXPUNGE only where
// numbers cannot shift under a client's feet (not during FETCH, STORE, SEARCH; §7.4.1).
import type { MailboxEvent } from "../../core/mailstore/events.js";
import type { Mailbox, StoredMessage, UidSet } from "../../core/ports/mailstore.js";

/** What a view starts from: the mailbox's shared snapshot (core/mailstore/snapshots.ts), never changed here. */
export interface ViewBase {
  readonly uids: readonly number[];
  readonly flags: ReadonlyMap<number, readonly string[]>;
  /** Lower-cased → first spelling. */
  readonly keywords: ReadonlyMap<string, string>;
}
import type { SequenceSet } from "./codec/sequence.js";

export const MAX_UID = 4294967295;

/** UIDs in [from, to) that are \Recent in one session (RFC 3501 §2.3.2). */
export interface UidRange {
  readonly from: number;
  readonly to: number;
}

export class MailboxView {
  // The snapshot's arrays until this view first changes them (copy on write): a SELECT of a
  // large mailbox copies nothing.
  #uids: number[];
  #flags: Map<number, readonly string[]>;
  /** Keywords in use, lower-cased → first spelling seen: FLAGS and PERMANENTFLAGS list them. */
  #keywordSet: Map<string, string>;
  #owned = false;
  readonly pendingExists = new Set<number>();
  readonly pendingExpunge = new Set<number>();
  readonly pendingFlags = new Set<number>();
  highestModseq: number;
  private keywordsGrew = false;
  /** The ranges of UIDs this session claimed as \Recent: at SELECT and as new mail arrived. */
  private readonly recent: UidRange[] = [];
  private unsubscribe: () => void = () => {};
  /** Called when an event arrives (IDLE flushes at once). */
  onChange: (() => void) | null = null;

  constructor(
    readonly mailbox: Mailbox,
    base: ViewBase,
    readonly readOnly: boolean,
    recent: UidRange,
  ) {
    this.highestModseq = mailbox.highestModseq;
    this.claimRecent(recent);
    // Shared with other views until written (own()); the casts never let a write reach them.
    this.#uids = base.uids as number[];
    this.#flags = base.flags as Map<number, readonly string[]>;
    this.#keywordSet = base.keywords as Map<string, string>;
  }

  /** UIDs in sequence-number order. */
  get uids(): readonly number[] {
    return this.#uids;
  }

  get flags(): ReadonlyMap<number, readonly string[]> {
    return this.#flags;
  }

  private own(): void {
    if (this.#owned) return;
    this.#uids = [...this.#uids];
    this.#flags = new Map(this.#flags);
    this.#keywordSet = new Map(this.#keywordSet);
    this.#owned = true;
  }

  get name(): string {
    return this.mailbox.name;
  }

  get exists(): number {
    return this.uids.length;
  }

  get lastUid(): number {
    return this.uids[this.uids.length - 1] ?? 0;
  }

  listen(subscribe: (mailboxId: number, listener: (event: MailboxEvent) => void) => () => void): void {
    this.unsubscribe = subscribe(this.mailbox.id, (event) => this.onEvent(event));
  }

  close(): void {
    this.unsubscribe();
    this.onChange = null;
  }

  isRecent(uid: number): boolean {
    return this.recent.some((r) => uid >= r.from && uid < r.to);
  }

  /** Adds UIDs this session now holds \Recent for (the mailbox gave them to no other session). */
  claimRecent(range: UidRange): void {
    if (range.to <= range.from) return;
    // Claims usually follow each other (no other session took UIDs in between): one range then.
    const last = this.recent[this.recent.length - 1];
    if (last !== undefined && last.to === range.from) this.recent[this.recent.length - 1] = { from: last.from, to: range.to };
    else this.recent.push(range);
  }

  get keywords(): string[] {
    return [...this.#keywordSet.values()];
  }

  /** Whether a keyword appeared since the last call: FLAGS and PERMANENTFLAGS must be sent again. */
  takeKeywordsGrew(): boolean {
    const grew = this.keywordsGrew;
    this.keywordsGrew = false;
    return grew;
  }

  /** Records a message's current flags (and any keyword new to this view). */
  setFlags(uid: number, flags: readonly string[]): void {
    this.own();
    this.#flags.set(uid, flags);
    for (const flag of flags) {
      const key = flag.toLowerCase();
      if (flag.startsWith("\\") || this.#keywordSet.has(key)) continue;
      this.#keywordSet.set(key, flag);
      this.keywordsGrew = true;
    }
  }

  get recentCount(): number {
    // The claimed ranges are few and do not overlap: count each by two binary searches.
    return this.recent.reduce((n, r) => n + this.lowerBound(r.to) - this.lowerBound(r.from), 0);
  }

  /** Index of the first UID in view that is at least `uid`. */
  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.#uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(m: StoredMessage): boolean {
    if (m.uid <= this.lastUid) return false;
    this.own();
    this.#uids.push(m.uid);
    this.setFlags(m.uid, m.flags);
    return true;
  }

  /** 1-based sequence number, 0 when not in view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Removes a UID; returns its sequence number before removal, 0 when not in view. */
  remove(uid: number): number {
    const seq = this.seqOf(uid);
    if (seq > 0) {
      this.own();
      this.#uids.splice(seq - 1, 1);
      this.#flags.delete(uid);
    }
    this.pendingExpunge.delete(uid);
    this.pendingFlags.delete(uid);
    return seq;
  }

  /** The UIDs a sequence set or UID set names, ascending. */
  resolve(set: SequenceSet, byUid: boolean): number[] {
    if (byUid) {
      const max = this.lastUid;
      return this.uids.filter((uid) => set.contains(uid, max));
    }
    return set.expand(this.uids.length).map((seq) => this.uids[seq - 1]!);
  }

  private onEvent(event: MailboxEvent): void {
    const target = event.kind === "exists" ? this.pendingExists : event.kind === "expunge" ? this.pendingExpunge : this.pendingFlags;
    for (const uid of event.uids) target.add(uid);
    this.onChange?.();
  }
}

/** Ascending UIDs as inclusive ranges for MailboxOperations. */
export function toUidSet(uids: readonly number[]): UidSet {
  const sorted = [...uids].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const uid of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && uid <= last[1] + 1) last[1] = Math.max(last[1], uid);
    else out.push([uid, uid]);
  }
  return out;
}
