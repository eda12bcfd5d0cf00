// Collects blob files no row names: bodies whose removal was deferred because a writer had
// touched them within the grace period (fs-blob-store.ts), and bodies of deliveries that
// crashed between writing the blob and committing. A file younger than the grace period is
// never looked at, so a writer between put() and commit keeps its blob.
import fs from "node:fs/promises";
import path from "node:path";
import { blobGraceMs, cleanBlobTemp, retireBlob } from "./fs-blob-store.js";

const HEX2 = /^[0-9a-f]{2}$/;
const HASH = /^[0-9a-f]{64}$/;

export interface SweepResult {
  readonly examined: number;
  readonly removed: number;
}

/**
 * Walks <root>/ab/cd/<hash> and removes each file older than the grace period for which
 * isReferenced(hash) is false. A writer that relies on the file meanwhile touches it first,
 * which retireBlob sees.
 */
export async function sweepOrphanBlobs(
  root: string,
  isReferenced: (hash: string) => Promise<boolean>,
  opts: { graceMs?: number; now?: () => number } = {},
): Promise<SweepResult> {
  const graceMs = opts.graceMs ?? blobGraceMs;
  const now = opts.now ?? Date.now;
  let examined = 0;
  let removed = 0;
  for (const first of await subfolders(root)) {
    for (const second of await subfolders(path.join(root, first))) {
      const dir = path.join(root, first, second);
      for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
        if (!HASH.test(name)) continue;
        examined++;
        const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
        if (stat === undefined || now() - stat.mtimeMs < graceMs || (await isReferenced(name))) continue;
        if (!(await retireBlob(root, name, graceMs, now))) continue; // touched by a writer meanwhile
        removed++;
      }
    }
  }
  return { examined, removed };
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && HEX2.test(e.name)).map((e) => e.name);
}

/**
 * The blob store's upkeep while the server runs: crash leftovers at start, then a sweep every
 * few hours (timers unref'd: they never keep the process alive). Only `moat start` runs it.
 */
export class BlobMaintenance {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly root: string,
    private readonly isReferenced: (hash: string) => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
    private readonly everyMs = 6 * 60 * 60_000,
  ) {}

  start(): void {
    this.#running = cleanBlobTemp(this.root).catch(this.onError);
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => sweepOrphanBlobs(this.root, this.isReferenced)).catch(this.onError);
    }, this.everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
