// The bounds of POP3's read-ahead (core/maildrop/read-ahead.ts), on a real store and real
// mailbox operations; only the batch reads are counted on their way through. A session reading
// in order reads batches of 2, 4, 8, then 16 messages, never more than readAheadOctets at once;
// a body larger than that, or in the blob store, is read alone; a held body is given once.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { InProcessMaildropLocks } from "../../src/core/maildrop/lock.js";
import { BodyReadAhead, readAheadMessages, readAheadOctets } from "../../src/core/maildrop/read-ahead.js";
import { MaildropService } from "../../src/core/maildrop/service.js";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { inlineBodyLimit } from "../../src/core/mailstore/service.js";
import type { StoredMessage } from "../../src/core/ports/mailstore.js";
import type { Store } from "../../src/core/ports/store.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { forEachDialect } from "../support/stores.js";

const mail = (n: number, body = "Hello.\r\n") => Buffer.from(`From: x@sender.example\r\nTo: alice@example.com\r\nSubject: m${n}\r\n\r\n${body}`);
const filler = (octets: number) => `${"z".repeat(98)}\r\n`.repeat(Math.ceil(octets / 100));

/** A maildrop of the given bodies, and a read-ahead over the same operations that records each batch read. */
async function setup(t: TestContext, store: Store, bodies: readonly Buffer[]) {
  const clock = new TestClock();
  const core = coreFor(t, store, clock);
  await core.accounts.addDomain("example.com");
  const alice = await core.accounts.addUser({ address: "alice@example.com", password: "alice-password-1" });
  const ops = new MailboxOperations(store, core.blobs, clock, new InProcessMailboxEvents());
  for (const body of bodies) await ops.append(alice.id, "INBOX", body);
  const opened = await new MaildropService(store, ops, new InProcessMaildropLocks()).open(alice.id);
  assert.equal(opened.kind, "ok");
  const { entries } = opened.maildrop;
  const batches: number[][] = [];
  const counting = {
    read: (m: StoredMessage) => ops.read(m),
    readInlineMany: (ms: readonly StoredMessage[]) => {
      batches.push(ms.map((m) => m.uid));
      return ops.readInlineMany(ms);
    },
  };
  const ahead = new BodyReadAhead(counting);
  const read = (n: number) => ahead.read(entries[n - 1]!, entries.slice(n));
  return { ahead, batches, read, entries };
}

forEachDialect((dialect, open) => {
  describe(`POP3 read-ahead bounds on ${dialect}`, () => {
    it("reads batches of 2, 4, 8, then 16 messages for a client reading in order, each body given once", async (t) => {
      const bodies = Array.from({ length: 40 }, (_, i) => mail(i + 1));
      const { ahead, batches, read } = await setup(t, await open(t), bodies);
      for (let n = 1; n <= 40; n++) assert.deepEqual(await read(n), bodies[n - 1], `message ${n}`);
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      assert.deepEqual(batches, [range(1, 2), range(3, 6), range(7, 14), range(15, 30), range(31, 40)]);
      assert.ok(batches.every((b) => b.length <= readAheadMessages));
      assert.equal(ahead.size, 0, "every held body was taken");
      // Taken bodies are not held twice: asking again reads a new batch.
      assert.deepEqual(await read(3), bodies[2]);
      assert.deepEqual(batches.at(-1), range(3, 18));
      assert.equal(ahead.size, 15);
    });

    it("gives a held body at once through take(), once, and nothing it does not hold", async (t) => {
      // POP3 answers RETR without waiting when take() has the body (decision 0029).
      const bodies = Array.from({ length: 8 }, (_, i) => mail(i + 1));
      const { ahead, batches, read, entries } = await setup(t, await open(t), bodies);
      assert.equal(ahead.take(entries[0]!), undefined, "nothing is held before the first read");
      assert.deepEqual(await read(1), bodies[0]);
      assert.equal(ahead.take(entries[2]!), undefined, "3 is not in the first batch");
      assert.deepEqual(ahead.take(entries[1]!), bodies[1]);
      assert.equal(ahead.take(entries[1]!), undefined, "taken once");
      assert.equal(ahead.size, 0);
      // A body taken is read again when asked for: a new batch from it.
      assert.deepEqual(await read(2), bodies[1]);
      assert.deepEqual(batches, [
        [1, 2],
        [2, 3, 4, 5],
      ]);
      assert.deepEqual(ahead.take(entries[4]!), bodies[4]);
      assert.equal(ahead.size, 2);
    });

    it("keeps a batch within readAheadOctets, and reads large and blob-stored bodies alone", async (t) => {
      const most = Math.floor(readAheadOctets * 0.6);
      const bodies = [
        mail(1),
        mail(2),
        mail(3, filler(most)),
        mail(4, filler(most)), // with 3, over the bound
        mail(5),
        mail(6, filler(readAheadOctets)), // larger than a batch, inline
        mail(7, filler(inlineBodyLimit)), // the blob store
        mail(8),
        mail(9),
      ];
      const { batches, read, entries } = await setup(t, await open(t), bodies);
      assert.ok(entries[5]!.size > readAheadOctets && entries[6]!.size > inlineBodyLimit);
      for (let n = 1; n <= 9; n++) assert.deepEqual(await read(n), bodies[n - 1], `message ${n}`);
      const octets = (uids: number[]) => uids.reduce((sum, uid) => sum + entries[uid - 1]!.size, 0);
      assert.ok(batches.every((b) => octets(b) <= readAheadOctets));
      // 3 is read alone (4 would pass the bound), 4 with 5 (6 would); 6 and 7 alone; then 8–9.
      assert.deepEqual(batches, [
        [1, 2],
        [4, 5],
        [8, 9],
      ]);
    });
  });
});
