// Large message bodies as files named by their SHA-256 under <data>/blobs/ab/cd/<hash>.
// put() is durable when it resolves: write a temp file, fsync it, rename it into place, fsync
// the folder — the crash-safe order (a rename alone may be lost on power failure), so the row
// naming the blob can be committed after it. Immutable: the same bytes are written once.
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

export function createFsBlobStore(root: string): BlobStore {
  const tmpDir = path.join(root, "tmp");
  const pathOf = (hash: string) => {
    if (!HASH.test(hash)) throw new MoatError("internal", "not a blob name");
    return path.join(root, hash.slice(0, 2), hash.slice(2, 4), hash);
  };

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
        if (stat.size === data.length) return { hash, size: data.length };
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
      await fs.rm(pathOf(hash), { force: true });
    },
  };
}

/** Deletes temp files a crash left behind mid-write (their rows were never committed). */
export async function cleanBlobTemp(root: string): Promise<void> {
  await fs.rm(path.join(root, "tmp"), { recursive: true, force: true });
}
