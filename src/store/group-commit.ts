// Group commit (Store.transaction with { group: true }). A durable commit costs the same
// whatever the transaction wrote: an fsync of the SQLite WAL, or a WAL flush and a round trip
// on PostgreSQL; and every transaction rewrites the same few pages (the mailbox's counters, the
// last leaf of each index). With many SMTP sessions delivering at once, paying that per message
// made the commit the largest single cost of accepting one. Deliveries that arrive together
// therefore share one transaction and one commit:
//   - a job waits for the batch before it to be committed and synced, then at most one event-loop
//     turn (setImmediate: everything the loop's I/O phase brought in joins) or, when the store
//     is busy, a millisecond; an idle store adds no delay;
//   - each job runs in a savepoint of its own, so a job that throws undoes only its writes and
//     rejects only its caller;
//   - every caller is answered after the commit that holds its writes is on stable storage,
//     never before (a 250 for mail means on disk); if BEGIN, COMMIT or the sync fails, every
//     caller of the batch gets the error. A batch of only non-durable jobs (login records:
//     TransactionOptions.durable) is answered at its commit and does not wait for a sync.
import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import type { TransactionGuard } from "./guard.js";
import type { Database } from "./schema.js";

/**
 * Runs body in one transaction and resolves once it has committed, with `synced`: what is left
 * to wait for before the commit is on stable storage (sqlite.ts: a sync of its WAL, off the
 * event loop, shared with the batches that committed meanwhile).
 */
export type CommitPath = (db: Kysely<Database>, body: (trx: Transaction<Database>) => Promise<void>, durable: boolean) => Promise<{ synced: Promise<void> }>;

/** A transaction whose commit is durable when it resolves (SQLite with FULL sync, in memory). */
export const plainCommit: CommitPath = async (db, body) => {
  await db.transaction().execute(body);
  return { synced: Promise.resolve() };
};

const asynchronousCommit = CompiledQuery.raw("set local synchronous_commit = off");

/** PostgreSQL: a batch of only non-durable jobs commits without waiting for its WAL flush. */
export const postgresCommit: CommitPath = async (db, body, durable) => {
  await db.transaction().execute(async (trx) => {
    if (!durable) await trx.executeQuery(asynchronousCommit);
    await body(trx);
  });
  return { synced: Promise.resolve() };
};

export interface GroupCommitOptions {
  /** Jobs per transaction at most: bounds how long one commit holds the write lock. */
  readonly maxBatch: number;
  /** Batches in their transaction at once: 1 for SQLite's one connection, more for a pool. */
  readonly concurrency: number;
}

interface Job<R> {
  readonly fn: (tx: R) => Promise<unknown>;
  /** Settles only once on stable storage (TransactionOptions.durable). */
  readonly durable: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** How long a batch gathers jobs when the store is busy, and what counts as busy. */
const gatherMs = 1;
const busyWindowMs = 10;

// SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT are spelt alike in both dialects.
const savepoint = CompiledQuery.raw("savepoint group_job");
const rollbackTo = CompiledQuery.raw("rollback to savepoint group_job");
const release = CompiledQuery.raw("release savepoint group_job");

export class GroupCommitter<R> {
  readonly #queue: Array<Job<R>> = [];
  #inFlight = 0;
  #scheduled = false;
  /** When the last batch finished (performance.now()), and how many jobs it had. */
  #lastCommit = -Infinity;
  #lastBatch = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** Binds the repositories to one transaction. */
    private readonly bind: (trx: Kysely<Database>) => R,
    private readonly guard: TransactionGuard,
    private readonly commit: CommitPath,
    private readonly options: GroupCommitOptions,
  ) {}

  run<T>(fn: (tx: R) => Promise<T>, durable = true): Promise<T> {
    try {
      // From inside a running transaction this would wait for a commit that waits for it.
      this.guard.check();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, durable, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= this.options.concurrency) return;
    this.#scheduled = true;
    const start = () => {
      this.#scheduled = false;
      const batch = this.#queue.splice(0, this.options.maxBatch);
      if (batch.length === 0) return;
      this.#inFlight++;
      void this.#run(batch);
      this.#schedule(); // more waiting than one batch takes, and a free slot: start another
    };
    // Idle, or one caller at a time: start at the end of this loop turn. Busy (the last batch,
    // moments ago, had company): more jobs are on their way, so gather them a little longer;
    // each sync saved is worth more CPU than the millisecond costs the callers (PostgreSQL's
    // commit_delay with commit_siblings, for the same reason). A lone sender is never delayed.
    const busy = this.#lastBatch > 1 && performance.now() - this.#lastCommit < busyWindowMs;
    if (busy) setTimeout(start, gatherMs);
    else setImmediate(start);
  }

  async #run(batch: ReadonlyArray<Job<R>>): Promise<void> {
    let outcomes: Outcome[] = [];
    let synced: Promise<void>;
    try {
      // One durable job makes the batch durable: every caller of it waits for the sync.
      const durable = batch.some((job) => job.durable);
      ({ synced } = await this.commit(
        this.db,
        async (trx) => {
          outcomes = batch.length === 1 ? [await this.#alone(trx, batch[0]!)] : await this.#each(trx, batch);
        },
        durable,
      ));
    } catch (err) {
      synced = Promise.reject(err);
    }
    try {
      await synced;
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    } finally {
      // The next batch starts only now: the deliveries that arrive while this one syncs wait
      // and share the next commit and sync, instead of each taking one of their own.
      this.#inFlight--;
      this.#lastCommit = performance.now();
      this.#lastBatch = batch.length;
      this.#schedule();
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /** A batch of one needs no savepoint: its failure is the transaction's. */
  async #alone(trx: Transaction<Database>, job: Job<R>): Promise<Outcome> {
    return { ok: true, value: await this.guard.inside(() => job.fn(this.bind(trx))) };
  }

  async #each(trx: Transaction<Database>, batch: ReadonlyArray<Job<R>>): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const job of batch) {
      await trx.executeQuery(savepoint);
      try {
        // Repositories of its own: a caller may key its notes on the tx object it was given.
        outcomes.push({ ok: true, value: await this.guard.inside(() => job.fn(this.bind(trx))) });
      } catch (error) {
        // Undo this job's writes only; if even that fails, the transaction is gone (throws).
        await trx.executeQuery(rollbackTo);
        outcomes.push({ ok: false, error });
      }
      await trx.executeQuery(release);
    }
    return outcomes;
  }
}
