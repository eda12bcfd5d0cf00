// Large message bodies as files named by their SHA-256 under <data>/blobs/ab/cd/<hash>.
// put() is durable when it resolves: write a temp file, fsync it, rename it into place, fsync
// the folder — the crash-safe order (a rename alone may be lost on power failure), so the row
// naming the blob can be committed after it. Immutable: the same bytes are written once.
//
// Removal races with writers: a delivery of the same bytes may have put() the blob (or found it
// there) and not yet committed the row that names it when an EXPUNGE finds the body
// unreferenced. So a blob's mtime says when a writer last relied on it — put() touches an
// existing file — and remove() leaves a blob touched within the grace period alone. What that
// leaves behind unreferenced, and the files of writers that crashed before committing, the
// sweep (blob-sweep.ts) collects once they are older than the grace period.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { BlobRef, BlobStore } from "../../core/ports/blobs.js";
import { MoatError } from "../../shared/errors.js";

const HASH = /^[0-9a-f]{64}$/;

async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Longer than any delivery or APPEND takes between put() and its commit. */
export const blobGraceMs = 15 * 60_000;

export function blobPath(root: string, hash: string): string {
  if (!HASH.test(hash)) throw new MoatError("internal", "not a blob name");
  return path.join(root, hash.slice(0, 2), hash.slice(2, 4), hash);
}

export function createFsBlobStore(root: string, opts: { graceMs?: number } = {}): BlobStore {
  const graceMs = opts.graceMs ?? blobGraceMs;
  const tmpDir = path.join(root, "tmp");
  const pathOf = (hash: string) => blobPath(root, hash);

  async function ensureDir(dir: string): Promise<void> {
    try {
      await fs.access(dir);
    } catch {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      // The new folder's own entry must reach the disk too.
      await fsyncPath(path.dirname(dir));
      await fsyncPath(path.dirname(path.dirname(dir)));
    }
  }

  return {
    async put(data: Buffer): Promise<BlobRef> {
      const hash = sha256(data);
      const target = pathOf(hash);
      try {
        const stat = await fs.stat(target);
        if (stat.size === data.length) {
          // A writer relies on it from now until its commit: keep removal off it (see above).
          // Fails if a removal took the file away meanwhile; then it is written anew below.
          const now = new Date();
          await fs.utimes(target, now, now);
          return { hash, size: data.length };
        }
      } catch {
        // not stored yet
      }
      await ensureDir(tmpDir);
      await ensureDir(path.dirname(target));
      const tmp = path.join(tmpDir, `${hash}.${randomBytes(6).toString("hex")}`);
      const handle = await fs.open(tmp, "wx", 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, target);
      await fsyncPath(path.dirname(target));
      return { hash, size: data.length };
    },

    async get(hash: string): Promise<Buffer> {
      let data: Buffer;
      try {
        data = await fs.readFile(pathOf(hash));
      } catch (err) {
        throw new MoatError("internal", "message body missing from the blob store", { cause: err });
      }
      // A flipped bit on disk must not be served as the message (test plan FLT-13).
      if (sha256(data) !== hash) throw new MoatError("internal", "message body corrupt in the blob store");
      return data;
    },

    async remove(hash: string): Promise<void> {
      await retireBlob(root, hash, graceMs, Date.now);
    },
  };
}

/**
 * Deletes a blob unless a writer touched it within the grace period; true if it was deleted.
 * The file is first renamed aside, atomically, and its mtime read there: a put() that touched
 * it before the rename shows in that mtime (the file goes back: the same bytes, so even a copy
 * written meanwhile is no different), and one after it finds no file and writes it anew.
 */
export async function retireBlob(root: string, hash: string, graceMs: number, now: () => number): Promise<boolean> {
  const target = blobPath(root, hash);
  const aside = path.join(root, "tmp", `${hash}.retired.${randomBytes(6).toString("hex")}`);
  await fs.mkdir(path.join(root, "tmp"), { recursive: true, mode: 0o700 });
  try {
    await fs.rename(target, aside);
  } catch {
    return false; // already gone
  }
  const stat = await fs.stat(aside);
  if (now() - stat.mtimeMs < graceMs) {
    await fs.rename(aside, target);
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}

/**
 * At start-up: deletes temp files a crash left behind mid-write (their rows were never
 * committed), and puts back blobs a crash caught set aside by retireBlob — one of them may be
 * named by a row committed meanwhile; the sweep removes those that are not.
 */
export async function cleanBlobTemp(root: string): Promise<void> {
  const tmp = path.join(root, "tmp");
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    const retired = /^([0-9a-f]{64})\.retired\./.exec(name);
    if (retired?.[1] !== undefined) {
      const target = blobPath(root, retired[1]);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      if (!(await fs.stat(target).catch(() => undefined))) {
        await fs.rename(path.join(tmp, name), target);
        continue;
      }
    }
    await fs.rm(path.join(tmp, name), { recursive: true, force: true });
  }
}
