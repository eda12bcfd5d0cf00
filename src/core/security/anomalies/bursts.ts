// Failure bursts (issue 8 item 2, decision 0026), counted in memory: a password-guessing run
// makes thousands of failures a minute, and the detector must not turn each into a query. Each
// key (an account, a name, an address) keeps its last `threshold` failures; a burst is the
// failure that brings the count within the window up to the threshold — raised once per
// crossing, re-armed only when the count has fallen below it again.
//
// Limits, by design: the counts are this process's (several `moat start` nodes on one
// PostgreSQL each count their own share), start from zero at a restart, and keep at most
// `maxKeys` keys (least recently failed dropped first), so memory stays bounded at
// maxKeys × threshold entries whatever an attacker sends.

export interface Failure {
  readonly at: number;
  /** The account's address or the name attempted. */
  readonly name: string;
  readonly domainId: number | null;
}

interface Window {
  readonly recent: Failure[];
  raised: boolean;
}

export class BurstWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts a failure; returns the failures within the window when this one is a crossing, else null. */
  add(key: string, failure: Failure): readonly Failure[] | null {
    let window = this.windows.get(key);
    if (window) this.windows.delete(key); // re-inserted last: the map's order is least recently failed first
    else window = { recent: [], raised: false };
    this.windows.set(key, window);
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);

    const { recent } = window;
    const since = failure.at - this.windowMs;
    let expired = 0;
    while (expired < recent.length && recent[expired]!.at <= since) expired++;
    if (expired > 0) recent.splice(0, expired);
    recent.push(failure);
    if (recent.length > this.threshold) recent.shift();
    if (recent.length < this.threshold) {
      window.raised = false;
      return null;
    }
    if (window.raised) return null;
    window.raised = true;
    return [...recent];
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * When each account last failed, so "a success after failures" needs no query when this process
 * saw none. Memory answers only for the time it covers: from the detector's start, and past the
 * last failure of any account it had to forget (maxKeys); before that it says "maybe", and the
 * caller asks the store — once per account: a count that found none (noneStored) answers for
 * the time before coveredFrom from then on, which only the store knows and which no longer
 * changes. Without it every success of the first failure window after a start counted the
 * account's records in the window: a query growing with the account's logins (decision 0031).
 */
export class LastFailures {
  private readonly at = new Map<number, number>();
  /** Accounts the store found no failure against from this `since` on (up to coveredFrom). */
  private readonly noneStoredFrom = new Map<number, number>();
  private coveredFrom: number;

  constructor(startedAt: number, private readonly maxKeys = 50_000) {
    this.coveredFrom = startedAt;
  }

  note(userId: number, at: number): void {
    this.at.delete(userId);
    this.at.set(userId, at);
    if (this.at.size > this.maxKeys) {
      const [forgotten, lastAt] = this.at.entries().next().value!;
      this.at.delete(forgotten);
      // Its failures up to lastAt are the store's alone again: so is its answer for them.
      this.noneStoredFrom.delete(forgotten);
      this.coveredFrom = Math.max(this.coveredFrom, lastAt + 1);
    }
  }

  /** Where memory's knowledge starts; hand it back to noneStored with the store's answer. */
  get covered(): number {
    return this.coveredFrom;
  }

  /**
   * The store counted no failure against the account at or after `since`, in a count that
   * started when memory covered from `coveredAtAsk`: none before coveredFrom either, which memory
   * cannot see. Ignored when memory forgot an account meanwhile (its failures since the count
   * may be the store's alone).
   */
  noneStored(userId: number, since: number, coveredAtAsk: number): void {
    if (coveredAtAsk !== this.coveredFrom || since >= this.coveredFrom) return;
    const known = this.noneStoredFrom.get(userId);
    if (known !== undefined && known <= since) return;
    this.noneStoredFrom.delete(userId);
    this.noneStoredFrom.set(userId, since);
    if (this.noneStoredFrom.size > this.maxKeys) this.noneStoredFrom.delete(this.noneStoredFrom.keys().next().value!);
  }

  /** False only when this process knows of no failure against the account at or after `since`. */
  maybeSince(userId: number, since: number): boolean {
    const at = this.at.get(userId);
    if (at !== undefined && at >= since) return true;
    if (since >= this.coveredFrom) return false;
    const none = this.noneStoredFrom.get(userId);
    return none === undefined || since < none;
  }
}
