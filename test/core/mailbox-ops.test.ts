// The mailbox operations IMAP, POP3 and the web API share, over a real store on both
// dialects: mailbox tree, APPEND, flags with MODSEQ and UNCHANGEDSINCE, COPY/MOVE sharing the
// body, EXPUNGE with tombstones and body clean-up, quota, and change events.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createMailFlow } from "../../src/core/flow/pipeline.js";
import { InProcessMailboxEvents, publishDeliveries, type MailboxEvent } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { inlineBodyLimit } from "../../src/core/mailstore/service.js";
import type { Store } from "../../src/core/ports/store.js";
import { parseAddress } from "../../src/mail/address.js";
import { isMoatError, type ErrorCode } from "../../src/shared/errors.js";
import { sweepOrphanBlobs } from "../../src/store/blobs/blob-sweep.js";
import { blobGraceMs } from "../../src/store/blobs/fs-blob-store.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { zoneResolver } from "../support/dns.js";
import { forEachDialect } from "../support/stores.js";

const mail = (subject: string, body = "Hello.") =>
  Buffer.from(`From: x@sender.example\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
const all = [[1, Number.MAX_SAFE_INTEGER]] as const;
const fails = (code: ErrorCode) => (err: unknown) => isMoatError(err, code);

async function setup(t: TestContext, store: Store, quotaBytes = 0) {
  const clock = new TestClock();
  const core = coreFor(t, store, clock);
  await core.accounts.addDomain("example.com");
  const alice = await core.accounts.addUser({ address: "alice@example.com", password: "alice-password-1", quotaBytes });
  const events = new InProcessMailboxEvents();
  const ops = new MailboxOperations(store, core.blobs, clock, events);
  const seen: MailboxEvent[] = [];
  const listen = async (name: string) => events.subscribe((await ops.get(alice.id, name)).id, (e) => seen.push(e));
  return { ...core, clock, alice, events, ops, seen, listen, store };
}

forEachDialect((dialect, open) => {
  describe(`mailbox operations on ${dialect}`, () => {
    it("creates parents, renames children with the parent, deletes only leaves, never INBOX", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      const id = alice.id;
      await ops.create(id, "Projects/2026");
      await assert.rejects(ops.create(id, "Projects"), fails("mailbox_exists"));
      await assert.rejects(ops.create(id, "inbox"), fails("mailbox_exists"));
      await assert.rejects(ops.create(id, "a%b"), fails("invalid_input"));
      await assert.rejects(ops.create(id, "a//b"), fails("invalid_input"));
      const before = await ops.get(id, "Projects");
      await ops.rename(id, "Projects", "Work/Old");
      const names = (await ops.list(id)).map((b) => b.name);
      assert.deepEqual(names.filter((n) => n.startsWith("Work") || n.startsWith("Projects")), ["Work", "Work/Old", "Work/Old/2026"]);
      assert.equal((await ops.get(id, "Work/Old")).uidValidity, before.uidValidity, "a renamed mailbox keeps its UIDVALIDITY");
      await assert.rejects(ops.rename(id, "Work", "Work/Old/x"), fails("invalid_input"));
      await assert.rejects(ops.rename(id, "Work/Old", "Sent"), fails("mailbox_exists"));
      // RFC 3501 §6.3.4: a mailbox with children is emptied and stays as a \Noselect name.
      await ops.delete(id, "Work/Old");
      assert.equal((await ops.list(id)).find((b) => b.name === "Work/Old")?.noselect, true);
      await assert.rejects(ops.get(id, "Work/Old"), fails("mailbox_not_found"));
      await assert.rejects(ops.delete(id, "Work/Old"), fails("mailbox_not_empty"));
      await assert.rejects(ops.delete(id, "INBOX"), fails("mailbox_protected"));
      await assert.rejects(ops.delete(id, "Nope"), fails("mailbox_not_found"));
      await ops.delete(id, "Work/Old/2026");
      await ops.delete(id, "Work/Old");
      assert.ok(!(await ops.list(id)).some((b) => b.name.startsWith("Work/")));
      await ops.unsubscribe(id, "Work");
      assert.ok(!(await ops.subscriptions(id)).includes("Work"));
      await ops.subscribe(id, "Work");
      assert.ok((await ops.subscriptions(id)).includes("Work"));
    });

    it("keeps subscriptions apart from mailboxes: RENAME moves them, DELETE leaves them (RFC 3501 §6.3.6)", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      const id = alice.id;
      assert.deepEqual(await ops.subscriptions(id), ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], "the default folders are subscribed");
      await ops.create(id, "Work/Old");
      await ops.subscribe(id, "Work");
      await ops.subscribe(id, "Work/Old");
      await ops.rename(id, "Work", "Job");
      const mine = async () => (await ops.subscriptions(id)).filter((n) => n.startsWith("Work") || n.startsWith("Job"));
      assert.deepEqual(await mine(), ["Job", "Job/Old"]);
      await ops.delete(id, "Job/Old");
      assert.deepEqual(await mine(), ["Job", "Job/Old"], "a deleted mailbox stays subscribed");
      await assert.rejects(ops.subscribe(id, "Job/Old"), fails("mailbox_not_found"));
      await ops.unsubscribe(id, "Job/Old");
      assert.deepEqual(await mine(), ["Job"]);
      await assert.rejects(ops.unsubscribe(id, "Never"), fails("mailbox_not_found"));
      await ops.create(id, "Job/Old");
      await ops.subscribe(id, "Job/Old");
      await ops.create(id, "Work");
      await ops.subscribe(id, "Work");
      await ops.delete(id, "Job/Old");
      await ops.delete(id, "Job");
      await ops.rename(id, "Work", "Job");
      assert.deepEqual(await mine(), ["Job", "Job/Old"], "a subscription already under the new name stays once");
    });

    it("renames by exact, case-sensitive prefix, also in non-ASCII names", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      for (const name of ["Fotos 😀/Sommer", "fotos 😀/x", "Fotos 😀x"]) await ops.create(alice.id, name);
      await ops.rename(alice.id, "Fotos 😀", "Bilder ü");
      const names = (await ops.list(alice.id)).map((b) => b.name).filter((n) => !["INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"].includes(n));
      assert.deepEqual(names.sort(), ["Bilder ü", "Bilder ü/Sommer", "Fotos 😀x", "fotos 😀", "fotos 😀/x"]);
      await ops.delete(alice.id, "Fotos 😀x");
      // "fotos 😀/x" is its child, "Fotos 😀x" is not: it stays as \Noselect above its child.
      await ops.delete(alice.id, "fotos 😀");
      assert.equal((await ops.list(alice.id)).find((b) => b.name === "fotos 😀")?.noselect, true);
    });

    it("never gives a mailbox created again the UIDVALIDITY of the deleted one", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      const first = await ops.create(alice.id, "Tmp");
      await ops.delete(alice.id, "Tmp");
      const again = await ops.create(alice.id, "Tmp");
      assert.ok(again.uidValidity > first.uidValidity, `${again.uidValidity} > ${first.uidValidity}`);
    });

    it("appends indexed messages with ascending UIDs and MODSEQs; status counts them; \\Recent goes to one session", async (t) => {
      const { ops, alice, store, clock } = await setup(t, await open(t));
      const a = await ops.append(alice.id, "INBOX", mail("One"), ["\\seen", "\\Recent", "$Work", "$work"], clock.now() - 60_000);
      const [b, c] = await Promise.all([ops.append(alice.id, "INBOX", mail("Two")), ops.append(alice.id, "INBOX", mail("Three"))]);
      assert.deepEqual([a.uid, b!.uid, c!.uid].sort(), [1, 2, 3]);
      assert.equal(new Set([a.modseq, b!.modseq, c!.modseq]).size, 3);
      const [first] = await ops.messages(alice.id, "INBOX", [[1, 1]]);
      assert.deepEqual(first!.flags, ["\\Seen", "$Work"]);
      assert.equal(first!.internalDate, clock.now() - 60_000);
      assert.equal((await store.messages.getBody(first!.bodyHash))!.index.subject, "One", "indexed on the way in");
      assert.equal((await ops.read(first!)).toString(), mail("One").toString());
      const status = await ops.status(alice.id, "INBOX");
      assert.deepEqual(
        { ...status, uidValidity: 0 },
        { messages: 3, unseen: 2, recent: 3, uidNext: 4, uidValidity: 0, highestModseq: Math.max(a.modseq, b!.modseq, c!.modseq), size: mail("One").length * 3 + 2 },
      );
      assert.equal(a.uidValidity, status.uidValidity);
      const s1 = await ops.select(alice.id, "INBOX");
      assert.deepEqual(s1.recent, { from: 1, to: 4 });
      assert.equal(s1.messages.length, 3);
      assert.deepEqual((await ops.select(alice.id, "INBOX")).recent, { from: 4, to: 4 }, "a second session sees nothing recent");
      assert.equal((await ops.status(alice.id, "INBOX")).recent, 0);
      await assert.rejects(ops.append(alice.id, "Nowhere", mail("x")), fails("mailbox_not_found"));
    });

    it("adds, removes and replaces flags with one new MODSEQ; UNCHANGEDSINCE refuses newer messages", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      for (const s of ["A", "B", "C"]) await ops.append(alice.id, "INBOX", mail(s));
      const start = (await ops.status(alice.id, "INBOX")).highestModseq;
      const added = await ops.setFlags(alice.id, "INBOX", [[1, 2]], { mode: "add", flags: ["\\Seen", "$Done"] });
      assert.deepEqual(added.changed.map((m) => [m.uid, m.flags, m.modseq]), [[1, ["\\Seen", "$Done"], start + 1], [2, ["\\Seen", "$Done"], start + 1]]);
      assert.equal(added.highestModseq, start + 1);
      const none = await ops.setFlags(alice.id, "INBOX", [[1, 1]], { mode: "add", flags: ["\\seen"] });
      assert.equal(none.changed.length, 0, "no change, no new MODSEQ");
      assert.equal(none.highestModseq, start + 1);
      const removed = await ops.setFlags(alice.id, "INBOX", [[2, 2]], { mode: "remove", flags: ["$done"] });
      assert.deepEqual(removed.changed[0]!.flags, ["\\Seen"]);
      // UNCHANGEDSINCE start+1: message 2 changed at start+2, so it fails; 1 and 3 are replaced.
      const cond = await ops.setFlags(alice.id, "INBOX", all, { mode: "replace", flags: ["\\Flagged"], unchangedSince: start + 1 });
      assert.deepEqual(cond.failed, [2]);
      assert.deepEqual(cond.changed.map((m) => m.uid), [1, 3]);
      assert.deepEqual((await ops.changedSince(alice.id, "INBOX", start + 2)).map((m) => [m.uid, m.flags]), [[1, ["\\Flagged"]], [3, ["\\Flagged"]]]);
      assert.equal((await ops.status(alice.id, "INBOX")).unseen, 2);
    });

    it("expunges only \\Deleted messages (or the UID set), with tombstones, and never reuses a UID", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      for (const s of ["A", "B", "C", "D"]) await ops.append(alice.id, "INBOX", mail(s));
      const before = (await ops.status(alice.id, "INBOX")).highestModseq;
      await ops.setFlags(alice.id, "INBOX", [[2, 4]], { mode: "add", flags: ["\\Deleted"] });
      const partial = await ops.expunge(alice.id, "INBOX", [[4, 4]]);
      assert.deepEqual(partial.uids, [4], "UID EXPUNGE touches only its set");
      const rest = await ops.expunge(alice.id, "INBOX");
      assert.deepEqual(rest.uids, [2, 3]);
      assert.ok(rest.modseq > partial.modseq);
      assert.deepEqual((await ops.messages(alice.id, "INBOX")).map((m) => m.uid), [1]);
      assert.deepEqual(await ops.vanishedSince(alice.id, "INBOX", before), [2, 3, 4]);
      assert.deepEqual(await ops.vanishedSince(alice.id, "INBOX", partial.modseq), [2, 3]);
      const next = await ops.append(alice.id, "INBOX", mail("E"));
      assert.equal(next.uid, 5, "the expunged highest UID is not handed out again");
      assert.ok(next.modseq > rest.modseq);
    });

    it("COPY and MOVE share the body; EXPUNGE removes it (and its blob) only when nothing refers to it", async (t) => {
      const { ops, alice, store, blobs, blobRoot } = await setup(t, await open(t));
      const big = mail("Big", "x".repeat(inlineBodyLimit + 10));
      await ops.append(alice.id, "INBOX", big);
      await ops.create(alice.id, "Keep");
      const copied = await ops.copy(alice.id, "INBOX", all, "Keep");
      assert.deepEqual([copied.sourceUids, copied.targetUids], [[1], [1]]);
      assert.equal(copied.uidValidity, (await ops.get(alice.id, "Keep")).uidValidity);
      const moved = await ops.move(alice.id, "Keep", all, "Archive");
      assert.deepEqual(moved.expunged.uids, [1]);
      const [src] = await ops.messages(alice.id, "INBOX");
      const [dst] = await ops.messages(alice.id, "Archive");
      assert.equal(dst!.bodyHash, src!.bodyHash, "one body, named by both rows");
      assert.equal((await store.messages.getBody(src!.bodyHash))!.inline, null, "the large body lives in the blob store");
      assert.equal((await ops.messages(alice.id, "Keep")).length, 0);
      assert.equal(await store.quota.usage(alice.id), big.length * 2, "COPY charges, MOVE does not");

      await ops.setFlags(alice.id, "INBOX", all, { mode: "add", flags: ["\\Deleted"] });
      await ops.expunge(alice.id, "INBOX");
      assert.ok(await store.messages.getBody(src!.bodyHash), "still named by Archive");
      assert.equal((await blobs.get(src!.bodyHash)).length, big.length);
      await ops.setFlags(alice.id, "Archive", all, { mode: "add", flags: ["\\Deleted"] });
      await ops.expunge(alice.id, "Archive");
      assert.equal(await store.messages.getBody(src!.bodyHash), undefined);
      // The file outlives its row for the grace period (a delivery of the same bytes may be on
      // its way); the sweep then collects it.
      assert.equal((await blobs.get(src!.bodyHash)).length, big.length);
      const later = () => Date.now() + blobGraceMs + 1000;
      await sweepOrphanBlobs(blobRoot, async (hash) => (await store.messages.getBody(hash)) !== undefined, { now: later });
      await assert.rejects(blobs.get(src!.bodyHash), "the blob is gone too");
      assert.equal(await store.quota.usage(alice.id), 0, "quota credited back");
    });

    it("refuses APPEND and COPY over quota with over_quota", async (t) => {
      const { ops, alice } = await setup(t, await open(t), 200);
      const m = mail("Q", "y".repeat(60));
      await ops.append(alice.id, "INBOX", m);
      await assert.rejects(ops.append(alice.id, "INBOX", Buffer.concat([m, m])), fails("over_quota"));
      await assert.rejects(ops.copy(alice.id, "INBOX", all, "Archive"), fails("over_quota"));
      await ops.move(alice.id, "INBOX", all, "Archive");
      assert.equal((await ops.messages(alice.id, "Archive")).length, 1, "MOVE needs no extra quota");
    });

    it("renames INBOX: its messages move to the new mailbox, INBOX stays, empty", async (t) => {
      const { ops, alice } = await setup(t, await open(t));
      for (const s of ["A", "B"]) await ops.append(alice.id, "INBOX", mail(s));
      const inbox = await ops.get(alice.id, "INBOX");
      await ops.rename(alice.id, "INBOX", "Old/Inbox");
      const moved = await ops.get(alice.id, "Old/Inbox");
      assert.notEqual(moved.uidValidity, inbox.uidValidity);
      assert.deepEqual((await ops.messages(alice.id, "Old/Inbox")).map((m) => m.uid), [1, 2]);
      const after = await ops.status(alice.id, "INBOX");
      assert.equal(after.messages, 0);
      assert.equal(after.uidValidity, inbox.uidValidity);
      assert.deepEqual(await ops.vanishedSince(alice.id, "INBOX", inbox.highestModseq), [1, 2]);
      assert.equal((await ops.append(alice.id, "INBOX", mail("C"))).uid, 3, "INBOX UIDs go on");
      assert.equal((await ops.append(alice.id, "Old/Inbox", mail("D"))).uid, 3);
    });

    it("tells subscribers of new mail, flag changes and expunges after the commit", async (t) => {
      const { ops, alice, seen, listen } = await setup(t, await open(t));
      const stop = await listen("INBOX");
      const a = await ops.append(alice.id, "INBOX", mail("A"));
      const flagged = await ops.setFlags(alice.id, "INBOX", all, { mode: "add", flags: ["\\Deleted"] });
      const expunged = await ops.expunge(alice.id, "INBOX");
      assert.deepEqual(
        seen.map((e) => [e.kind, e.uids, e.modseq]),
        [["exists", [1], a.modseq], ["flags", [1], flagged.highestModseq], ["expunge", [1], expunged.modseq]],
      );
      stop();
      await ops.append(alice.id, "INBOX", mail("B"));
      assert.equal(seen.length, 3, "no events after unsubscribing");
    });

    it("publishes SMTP deliveries once committed, through publishDeliveries", async (t) => {
      const { alice, seen, listen, store, mailstore, events, clock } = await setup(t, await open(t));
      await listen("INBOX");
      const wired = publishDeliveries(store, mailstore, events);
      const flow = createMailFlow({ ...wired, clock, dns: zoneResolver({}), hostname: "mx.example.com", maxMessageBytes: 100_000, maxReceivedHeaders: 5, enqueueRemote: async () => {} });
      const to = parseAddress("alice@example.com");
      assert.ok(to.ok);
      const origin = { kind: "mx", listener: "smtp", ip: "203.0.113.5", helo: "mail.sender.example", tls: null, sessionId: "S1" } as const;
      const verdict = await flow.process(origin, { mailFrom: null, recipients: [to.value], smtpUtf8: false, body: "8BITMIME" }, mail("Hi"));
      assert.equal(verdict.kind, "accept");
      assert.deepEqual(seen.map((e) => [e.kind, e.userId, e.uids]), [["exists", alice.id, [1]]]);
    });
  });
});
