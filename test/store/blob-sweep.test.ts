// The blob store's removal rules: a body a writer relied on moments ago is never removed (its
// row may not be committed yet), the sweep collects what no row names once it is old, and a
// crash in the middle of a removal puts the body back at start-up.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { blobGraceMs, blobPath, cleanBlobTemp, createFsBlobStore, retireBlob } from "../../src/store/blobs/fs-blob-store.js";
import { sweepOrphanBlobs } from "../../src/store/blobs/blob-sweep.js";
import { tempDir } from "../support/temp.js";

const age = (file: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(file, then, then);
};

describe("blob store removal and sweep", () => {
  it("keeps a blob put within the grace period, removes an old one", async (t) => {
    const root = tempDir(t);
    const blobs = createFsBlobStore(root);
    const ref = await blobs.put(Buffer.from("a body"));
    await blobs.remove(ref.hash);
    assert.equal((await blobs.get(ref.hash)).toString(), "a body", "young: kept");
    age(blobPath(root, ref.hash), blobGraceMs + 1000);
    await blobs.remove(ref.hash);
    await assert.rejects(blobs.get(ref.hash), /missing/);
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), [], "nothing left aside");
  });

  it("a writer that finds the blob already there protects it from a removal", async (t) => {
    const root = tempDir(t);
    const blobs = createFsBlobStore(root);
    const ref = await blobs.put(Buffer.from("same bytes"));
    age(blobPath(root, ref.hash), blobGraceMs + 1000);
    // A second delivery of the same bytes, not yet committed, while an EXPUNGE releases the first.
    await blobs.put(Buffer.from("same bytes"));
    await blobs.remove(ref.hash);
    assert.equal((await blobs.get(ref.hash)).toString(), "same bytes");
  });

  it("sweeps old unreferenced blobs only, and rewrites a blob removed under a writer", async (t) => {
    const root = tempDir(t);
    const blobs = createFsBlobStore(root);
    const kept = await blobs.put(Buffer.from("named by a row"));
    const orphan = await blobs.put(Buffer.from("named by nothing"));
    const young = await blobs.put(Buffer.from("just written"));
    for (const ref of [kept, orphan]) age(blobPath(root, ref.hash), blobGraceMs + 1000);
    const asked: string[] = [];
    const result = await sweepOrphanBlobs(root, async (hash) => {
      asked.push(hash);
      return hash === kept.hash;
    });
    assert.deepEqual(result, { examined: 3, removed: 1 });
    assert.ok(!asked.includes(young.hash), "a young blob is not even looked up");
    await assert.rejects(blobs.get(orphan.hash));
    assert.equal((await blobs.get(kept.hash)).toString(), "named by a row");
    assert.equal((await blobs.get(young.hash)).toString(), "just written");
    // After a removal, a writer of the same bytes writes the file anew.
    await blobs.put(Buffer.from("named by nothing"));
    assert.equal((await blobs.get(orphan.hash)).toString(), "named by nothing");
  });

  it("puts back a blob a crash left set aside, and drops half-written temp files", async (t) => {
    const root = tempDir(t);
    const blobs = createFsBlobStore(root);
    const ref = await blobs.put(Buffer.from("set aside"));
    const file = blobPath(root, ref.hash);
    // What retireBlob leaves between its two renames when the process dies there.
    fs.renameSync(file, path.join(root, "tmp", `${ref.hash}.retired.abc123`));
    fs.writeFileSync(path.join(root, "tmp", `${ref.hash}.0a1b2c`), "half");
    await cleanBlobTemp(root);
    assert.equal((await blobs.get(ref.hash)).toString(), "set aside");
    assert.deepEqual(fs.readdirSync(path.join(root, "tmp")), []);
    assert.equal(await retireBlob(root, "0".repeat(64), 0, Date.now), false, "a missing blob is not an error");
  });
});
