// WAL checkpoints off the event loop. SQLite copies the WAL back into the database file when
// a commit finds more than wal_autocheckpoint pages in it, inside that commit: better-sqlite3
// runs it synchronously, and a checkpoint writes the pages and syncs the WAL and then the
// database (two fsyncs, 5-25 ms here). Every login writes a record (~10 pages of WAL with its
// indexes), so a 50-client login loop checkpointed every ~100 logins and stood still for each:
// no session was served meanwhile (bench/imap login50app, decision 0034).
//
// Instead a worker thread with a connection of its own checkpoints (PASSIVE: it never waits
// for, nor blocks, our readers and writers; WAL mode lets a checkpoint run beside them) soon
// after group commits, and the server's connection keeps its automatic checkpoint only as a
// backstop, at a size the worker never lets the WAL reach. Durability is SQLite's own either
// way: a checkpoint syncs the WAL before it copies and the database before the WAL is reused.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/**
 * The thread: its own connection to the file, told after group commits that the WAL grew;
 * it checkpoints after a short gathering delay and answers, so it is asked again only after
 * the next write. Source text rather than a module file so that it runs the same from dist/
 * and from the TypeScript sources under tsx (a worker does not inherit tsx's loader).
 * Checkpointing takes no lock a writer waits for; busy_timeout covers another process's own
 * checkpoint. A failed attempt (busy, a passing I/O error) is left to the next request, and
 * the server connection's backstop covers a thread that never succeeds.
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 100");
db.pragma("synchronous = FULL");
db.pragma("wal_autocheckpoint = 0");
let timer = null;
parentPort.on("message", (gatherMs) => {
  if (gatherMs === "close") {
    clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  timer = setTimeout(() => {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {}
    parentPort.postMessage(null);
  }, gatherMs);
});
`;
const driver = createRequire(import.meta.url).resolve("better-sqlite3");

/**
 * After a write, how long the worker lets more commits gather before it checkpoints them: each
 * checkpoint copies every page changed since the last one and syncs twice, so a busy server's
 * writes are better copied once a second (as SQLite's 1,000 pages did under load) than each
 * few; 200 ms cost the mixed IMAP session's durable STOREs their disk time.
 */
export const checkpointDelayMs = 1_000;
/**
 * The server connection's own automatic checkpoint while the worker runs (pages; 4 KiB each):
 * above what a second of the fastest login loop writes (~6,000), so it only acts if the worker
 * cannot (a reader holding the WAL, a stuck disk).
 */
const backstopPages = 10_000;
/** SQLite's default, put back if the worker stops. */
const defaultPages = 1_000;

export class WalCheckpointer {
  #worker: Worker | null = null;
  /** A checkpoint is asked for and not yet done: later writes ride on it. */
  #asked = false;
  #closed = false;
  /** Waiting for the checkpoint asked for (idle()). */
  #waiting: Array<() => void> = [];

  constructor(
    private readonly database: BetterSqlite3.Database,
    /** checkpointDelayMs; tests pass 0. */
    private readonly delayMs = checkpointDelayMs,
  ) {}

  /** Called after a commit: the worker checkpoints soon, at most one request outstanding. */
  wrote(): void {
    if (this.#asked || this.#closed) return;
    this.#asked = true;
    (this.#worker ?? this.#start()).postMessage(this.delayMs);
  }

  /** Resolves once no checkpoint is asked for (tests). */
  idle(): Promise<void> {
    return this.#asked ? new Promise((resolve) => this.#waiting.push(resolve)) : Promise.resolve();
  }

  /** Stops the worker (its connection closes; the server's own connection stays as it is). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) {
      // Its connection closes before the thread ends (terminate() would leave that to teardown).
      // On "exit" only: a thread that failed (its file gone, say) has ended just the same.
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.ref(); // kept alive until it has closed
      worker.postMessage("close");
      await exited;
    }
    this.#done();
  }

  /** Started at the first group commit: commands that never write in groups (the CLI) pay nothing. */
  #start(): Worker {
    const worker = new Worker(workerSource, { eval: true, workerData: { file: this.database.name, driver } });
    worker.unref(); // never what keeps a process alive
    worker.on("message", () => this.#done());
    worker.on("error", () => this.#stopped(worker));
    worker.on("exit", () => this.#stopped(worker));
    this.database.pragma(`wal_autocheckpoint = ${backstopPages}`);
    this.#worker = worker;
    return worker;
  }

  #done(): void {
    this.#asked = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  /** The worker failed or ended: the connection checkpoints by itself again, as SQLite does by default. */
  #stopped(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    if (this.database.open) this.database.pragma(`wal_autocheckpoint = ${defaultPages}`);
    // Not restarted: a worker that cannot open or checkpoint the file would fail again.
    this.#closed = true;
    this.#done();
  }
}
