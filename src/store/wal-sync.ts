// Group commit on SQLite: durable commits that neither block the event loop nor cost an fsync
// each. With synchronous = FULL every COMMIT fsyncs the WAL inside better-sqlite3's synchronous
// call (a full fsync: ~1 ms here, during which no other session is served); under load it was
// the largest single cost of accepting a message. A batch of group transactions (group-commit.ts)
// instead commits with synchronous = NORMAL — the WAL frames reach the operating system, not yet
// the disk; a killed process keeps them, and the WAL stays consistent whatever happens — and its
// callers then wait for WalSync.sync(): an fdatasync of the WAL file in libuv's thread pool. One
// sync covers every commit made before it started, so commits made while one runs share the
// next. The caller is answered only once its commit is on stable storage, exactly as with FULL
// (DESIGN.md principle 3).
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

// Callback fs, not fs/promises: a FileHandle costs several times more on the event loop.
const open = promisify(fs.open);
const fdatasync = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);

export class WalSync {
  readonly #wal: string;
  /** The WAL, opened at the first sync. SQLite deletes it only when our connection closes. */
  #fd: Promise<number> | null = null;
  /** The fsync now running: it covers every commit made before it started. */
  #running: Promise<void> | null = null;
  /** The fsync after it, shared by every caller that arrives while one is running. */
  #next: Promise<void> | null = null;

  constructor(dbFile: string) {
    this.#wal = `${dbFile}-wal`;
  }

  /** Resolves once everything committed before the call is on stable storage. */
  sync(): Promise<void> {
    if (this.#running === null) return this.#start();
    // The running fsync may have started before the caller's commit reached the file.
    this.#next ??= this.#running
      .catch(() => {})
      .then(() => {
        this.#next = null;
        // One started since the running one ended began after every waiting caller's commit.
        return this.#running ?? this.#start();
      });
    return this.#next;
  }

  /** Closes the WAL file once the syncs under way have finished; called when the database closes. */
  async close(): Promise<void> {
    await Promise.allSettled([this.#running, this.#next]);
    const fd = this.#fd;
    this.#fd = null;
    if (fd) await close(await fd).catch(() => {});
  }

  #start(): Promise<void> {
    const run: Promise<void> = this.#flush().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #flush(): Promise<void> {
    // fdatasync is enough: it writes the data and whatever metadata reading it back needs
    // (the size of a WAL that grew), and costs a fifth of fsync here. It flushes the file's
    // pages whichever descriptor asks (POSIX), not only SQLite's own.
    await fdatasync(await this.#open());
  }

  #open(): Promise<number> {
    this.#fd ??= (async () => {
      const fd = await open(this.#wal, "r");
      // The WAL file's name must be on disk too, or a new WAL is lost with its commits: SQLite
      // syncs the directory at the WAL's first sync, which NORMAL may not have reached yet.
      const dir = await open(path.dirname(this.#wal), "r");
      try {
        await fsync(dir);
      } finally {
        await close(dir);
      }
      return fd;
    })().catch((err: unknown) => {
      this.#fd = null; // try again at the next sync
      throw err;
    });
    return this.#fd;
  }
}
