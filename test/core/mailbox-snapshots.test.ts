// SELECT and the message reads of IMAP and POP3 answer from a per-mailbox snapshot shared by the
// sessions of one process (decision 0017), checked against the mailbox's HIGHESTMODSEQ on every
// use. Two MailboxOperations over one store stand for two processes (or nodes) that publish no
// events to each other: each must still see every change the other makes, and a snapshot that is
// current must cost no message-row read. Real store, both dialects.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { MailboxSnapshots } from "../../src/core/mailstore/snapshots.js";
import type { Store } from "../../src/core/ports/store.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { forEachDialect } from "../support/stores.js";

const mail = (subject: string) => Buffer.from(`From: x@sender.example\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n\r\nHello.\r\n`);

async function setup(t: TestContext, store: Store) {
  const clock = new TestClock();
  const core = coreFor(t, store, clock);
  await core.accounts.addDomain("example.com");
  const alice = await core.accounts.addUser({ address: "alice@example.com", password: "alice-password-1" });
  // Separate event buses: neither hears the other, as two processes would not.
  const here = new MailboxOperations(store, core.blobs, clock, new InProcessMailboxEvents());
  const there = new MailboxOperations(store, core.blobs, clock, new InProcessMailboxEvents());
  return { here, there, userId: alice.id };
}

const view = (r: { messages: readonly { uid: number; flags: readonly string[] }[] }) => r.messages.map((m) => `${m.uid}:${m.flags.join(",")}`);

forEachDialect((dialect, open) => {
  describe(`mailbox snapshots on ${dialect}`, () => {
    it("reads no message row when nothing changed, and only the changed rows when something did", async (t) => {
      const { here, userId } = await setup(t, await open(t));
      for (let i = 1; i <= 5; i++) await here.append(userId, "INBOX", mail(`m${i}`), i === 2 ? ["\\Seen"] : []);
      const first = await here.select(userId, "INBOX", true);
      assert.equal(here.snapshots.rowsRead, 5);
      assert.equal(first.snapshot.firstUnseen, 1);
      const again = await here.select(userId, "INBOX");
      assert.equal(here.snapshots.rowsRead, 5, "a current snapshot is reused");
      assert.equal(again.snapshot, first.snapshot, "the same snapshot, shared");
      await here.setFlags(userId, "INBOX", [[1, 1]], { mode: "add", flags: ["\\Seen", "$Work"] });
      const after = await here.select(userId, "INBOX", true);
      assert.equal(here.snapshots.rowsRead, 6, "one changed row read");
      assert.deepEqual(view(after), ["1:\\Seen,$Work", "2:\\Seen", "3:", "4:", "5:"]);
      assert.equal(after.snapshot.firstUnseen, 3);
      assert.deepEqual([...after.snapshot.keywords.values()], ["$Work"]);
      assert.deepEqual(view(first), ["1:", "2:\\Seen", "3:", "4:", "5:"], "an older snapshot never changes under its holder");
      assert.deepEqual((await here.messages(userId, "INBOX", [[2, 3], [5, 9], [3, 3]])).map((m) => m.uid), [2, 3, 5]);
    });

    it("sees flags, expunges, new mail and a recreated mailbox from another process", async (t) => {
      const { here, there, userId } = await setup(t, await open(t));
      for (let i = 1; i <= 4; i++) await here.append(userId, "INBOX", mail(`m${i}`));
      assert.deepEqual(view(await here.select(userId, "INBOX", true)), ["1:", "2:", "3:", "4:"]);
      await there.setFlags(userId, "INBOX", [[3, 3]], { mode: "add", flags: ["\\Deleted"] });
      await there.expunge(userId, "INBOX");
      await there.setFlags(userId, "INBOX", [[1, 1]], { mode: "add", flags: ["\\Flagged"] });
      await there.append(userId, "INBOX", mail("m5"), ["\\Seen"]);
      assert.deepEqual(view(await here.select(userId, "INBOX", true)), ["1:\\Flagged", "2:", "4:", "5:\\Seen"]);
      assert.deepEqual((await here.messages(userId, "INBOX")).map((m) => m.uid), [1, 2, 4, 5]);
      // A mailbox deleted and made again under the name is another mailbox: nothing carries over.
      await here.create(userId, "Projects");
      await here.append(userId, "Projects", mail("p1"));
      assert.deepEqual(view(await here.select(userId, "Projects", true)), ["1:"]);
      await there.delete(userId, "Projects");
      await there.create(userId, "Projects");
      assert.deepEqual(view(await here.select(userId, "Projects", true)), []);
    });

    it("keeps each message's header apart for SEARCH, and reads the first bytes of a body in one query", async (t) => {
      const store = await open(t);
      const { here, userId } = await setup(t, store);
      const raws = [mail("first"), Buffer.from("X-A: 1\r\nSubject: second\r\n\r\nBody two.\r\n")];
      for (const raw of raws) await here.append(userId, "INBOX", raw);
      const hashes = (await here.messages(userId, "INBOX")).map((m) => m.bodyHash);
      const headers = await store.messages.getHeaders([...hashes, "0".repeat(64)]);
      assert.deepEqual([...headers.keys()].sort(), [...hashes].sort(), "an unknown hash is left out");
      assert.equal(headers.get(hashes[1]!)?.toString(), "X-A: 1\r\nSubject: second\r\n\r\n");
      const prefixes = await store.messages.getPrefixes(hashes, 9);
      assert.deepEqual(hashes.map((h) => prefixes.get(h)?.toString()), raws.map((r) => r.subarray(0, 9).toString()));
      const texts = await store.messages.getBodyTexts(hashes);
      assert.match(texts.get(hashes[1]!) ?? "", /Body two/);
      assert.equal((await store.messages.getSummaries(hashes)).get(hashes[0]!)?.subject, "first");
      // Expunging the last message that names a body removes what was kept of it too.
      await here.expungeUids(userId, "INBOX", [[2, 2]]);
      assert.deepEqual([...(await store.messages.getHeaders(hashes)).keys()], [hashes[0]]);
      assert.deepEqual([...(await store.messages.getBodyTexts(hashes)).keys()], [hashes[0]]);
    });

    it("keeps the most recently used mailboxes within its message limit", async (t) => {
      const store = await open(t);
      const { here, userId } = await setup(t, store);
      for (const name of ["A", "B"]) {
        await here.create(userId, name);
        for (let i = 0; i < 3; i++) await here.append(userId, name, mail(`${name}${i}`));
      }
      const snapshots = new MailboxSnapshots(store.messageState, { maxMessages: 4 });
      const [a, b] = [await here.get(userId, "A"), await here.get(userId, "B")];
      await snapshots.get(a);
      await snapshots.get(a);
      assert.equal(snapshots.rowsRead, 3);
      await snapshots.get(b); // A leaves: 6 messages would be over the limit
      await snapshots.get(b);
      assert.equal(snapshots.rowsRead, 6);
      await snapshots.get(a);
      assert.equal(snapshots.rowsRead, 9, "A was read again");
      // Using a cached mailbox again makes it the most recent: the other one leaves first.
      await here.create(userId, "C");
      for (let i = 0; i < 2; i++) await here.append(userId, "C", mail(`C${i}`));
      const c = await here.get(userId, "C");
      const two = new MailboxSnapshots(store.messageState, { maxMessages: 5 });
      await two.get(c);
      await two.get(a);
      await two.get(c); // C again: A is now the least recently used
      await two.get(b); // 8 messages: A leaves, not C
      assert.equal(two.rowsRead, 8);
      await two.get(c);
      assert.equal(two.rowsRead, 8, "C stayed");
      await two.get(a);
      assert.equal(two.rowsRead, 11, "A was read again");
    });

    it("gives \\Recent to one session across processes, claiming only when the mailbox row shows unclaimed mail", async (t) => {
      const { here, there, userId } = await setup(t, await open(t));
      for (let i = 1; i <= 3; i++) await here.append(userId, "INBOX", mail(`m${i}`));
      assert.deepEqual((await here.select(userId, "INBOX")).recent, { from: 1, to: 4 });
      assert.deepEqual((await there.select(userId, "INBOX")).recent, { from: 4, to: 4 }, "nothing left to claim");
      assert.deepEqual((await here.select(userId, "INBOX")).recent, { from: 4, to: 4 });
      await there.append(userId, "INBOX", mail("m4"));
      const claimed = await there.select(userId, "INBOX");
      assert.deepEqual(claimed.recent, { from: 4, to: 5 }, "new mail from either process is claimed");
      assert.deepEqual((await here.select(userId, "INBOX")).recent, { from: 5, to: 5 });
      assert.deepEqual(await here.claimRecent(userId, "INBOX"), { from: 5, to: 5 });
      await here.append(userId, "INBOX", mail("m5"));
      assert.deepEqual(await there.claimRecent(userId, "INBOX"), { from: 5, to: 6 });
      assert.deepEqual(await here.claimRecent(userId, "INBOX"), { from: 6, to: 6 });
      assert.equal((await here.status(userId, "INBOX")).recent, 0);
    });
  });
});
