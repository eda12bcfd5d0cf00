// Email monitoring over a real store (issue 7 item 4): copies of what a monitored account (or
// a group's members) sends and receives, in the supervisor's folder, byte for byte below one
// added header; direction, scope and end date; never a copy of a copy; audited changes.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import type { Store } from "../../src/core/ports/store.js";
import { forEachDialect } from "../support/stores.js";
import { env, flowAdmin as admin, flowDomain, mx } from "../support/flow.js";
import { domainName } from "../store/helpers.js";

const msg = (from: string, subject: string) => Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`);
const setup = (t: TestContext, store: Store) => flowDomain(t, store, ["alice", "bob", "boss", "carl"]);

forEachDialect((dialect, open) => {
  describe(`email monitoring on ${dialect}`, () => {
    it("copies what the account sends and receives into the supervisor's folder, byte for byte under one header", async (t) => {
      const { flow, settings, folder, submission } = await setup(t, await open(t));
      const rule = await settings.addMonitor({ target: "alice@example.com", supervisor: "boss@example.com", direction: "both", scope: "both", name: "watch-alice" }, admin);
      assert.equal(rule.folder, "Monitoring/watch-alice");
      await flow.process(submission("alice"), env("alice@example.com", "bob@example.com", "x@outside.example"), msg("alice@example.com", "sent-one"));
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "received-one"));
      await flow.process(mx, env("y@sender.example", "bob@example.com"), msg("y@sender.example", "not-alice"));
      const copies = await folder("boss", "Monitoring/watch-alice");
      assert.equal(copies.length, 2);
      assert.match(copies[0]!, /^X-Moat-Monitor: rule="watch-alice"; direction=sent; account="alice@example\.com"\r\n/);
      assert.match(copies[1]!, /^X-Moat-Monitor: rule="watch-alice"; direction=received; account="alice@example\.com"\r\n/);
      // Byte for byte: the copy is the delivered message under the added header.
      const [delivered] = await folder("alice", "INBOX");
      assert.equal(copies[1]!.slice(copies[1]!.indexOf("\r\n") + 2), delivered);
      assert.equal((await folder("boss", "INBOX")).length, 0, "the supervisor's INBOX is untouched");
    });

    it("tells the supervisor's open sessions of each copy, once it is committed", async (t) => {
      const { flow, settings, store, users, events } = await setup(t, await open(t));
      await settings.addMonitor({ target: "alice@example.com", supervisor: "boss@example.com", direction: "received", scope: "both", name: "watch-alice" }, admin);
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "makes-the-folder"));
      const box = (await store.mailboxes.findByName(users.boss!.id, "Monitoring/watch-alice"))!;
      const heard: Array<{ kind: string; uids: readonly number[] }> = [];
      t.after(events.subscribe(box.id, (e) => heard.push({ kind: e.kind, uids: "uids" in e ? e.uids : [] })));
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "second"));
      assert.deepEqual(heard, [{ kind: "exists", uids: [2] }]);
    });

    it("stores the copy over the recipient's body: the same bytes and text, kept after the recipient's copy goes, released with the last", async (t) => {
      const { flow, settings, folder, store, clock, blobs, users } = await setup(t, await open(t));
      await settings.addMonitor({ target: "alice@example.com", supervisor: "boss@example.com", direction: "received", scope: "both", name: "watch-alice" }, admin);
      // The warning puts its own header on the recipient's copy: the copy shares what is below it.
      await settings.updateDomain("example.com", { externalWarning: "advanced" }, admin);
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "shared-one"));
      const [delivered] = await folder("alice", "INBOX");
      const [copy] = await folder("boss", "Monitoring/watch-alice");
      assert.match(delivered!, /^X-Moat-External: /);
      const below = delivered!.slice(delivered!.indexOf("Received: "));
      assert.equal(copy, `X-Moat-Monitor: rule="watch-alice"; direction=received; account="alice@example.com"\r\n${below}`);
      const box = async (name: string, folderName: string) => (await store.mailboxes.findByName(users[name]!.id, folderName))!;
      const [aliceRow] = await store.messages.list((await box("alice", "INBOX")).id);
      const [copyRow] = await store.messages.list((await box("boss", "Monitoring/watch-alice")).id);
      assert.equal(copyRow!.size, Buffer.byteLength(copy!));
      assert.equal(await store.messages.getBodyText(copyRow!.bodyHash), await store.messages.getBodyText(aliceRow!.bodyHash));
      assert.match((await store.messages.getBodyTexts([copyRow!.bodyHash])).get(copyRow!.bodyHash) ?? "", /body of shared-one/);

      const ops = new MailboxOperations(store, blobs, clock, new InProcessMailboxEvents());
      await ops.expungeUids(users.alice!.id, "INBOX", [[aliceRow!.uid, aliceRow!.uid]]);
      assert.equal(await store.messages.hasBody(aliceRow!.bodyHash), true, "the copy still needs the recipient's body");
      assert.deepEqual(await folder("boss", "Monitoring/watch-alice"), [copy]);
      await ops.expungeUids(users.boss!.id, "Monitoring/watch-alice", [[copyRow!.uid, copyRow!.uid]]);
      assert.equal(await store.messages.hasBody(copyRow!.bodyHash), false);
      assert.equal(await store.messages.hasBody(aliceRow!.bodyHash), false, "released with the copy that needed it");
      assert.equal(await store.messages.getBodyText(aliceRow!.bodyHash), undefined);
    });

    it("finds the supervisor's folder by name with each copy: deleted or renamed, the next copy makes it again; another account's folder of that name is never used", async (t) => {
      const { flow, settings, folder, store, clock, blobs, users } = await setup(t, await open(t));
      await settings.addMonitor({ target: "alice@example.com", supervisor: "boss@example.com", direction: "received", scope: "both", name: "watch-alice" }, admin);
      const ops = new MailboxOperations(store, blobs, clock, new InProcessMailboxEvents());
      // Bob has a folder of the same name: nothing may land there.
      await ops.create(users.bob!.id, "Monitoring/watch-alice");
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "one"));
      await ops.rename(users.boss!.id, "Monitoring/watch-alice", "Kept");
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "two"));
      await ops.delete(users.boss!.id, "Monitoring/watch-alice");
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "three"));
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "four"));
      const subjects = async (user: string, box: string) => (await folder(user, box)).map((m) => /Subject: (\w+)/.exec(m)![1]);
      assert.deepEqual(await subjects("boss", "Kept"), ["one"]);
      assert.deepEqual(await subjects("boss", "Monitoring/watch-alice"), ["three", "four"]);
      assert.deepEqual(await folder("bob", "Monitoring/watch-alice"), []);
      const box = (await store.mailboxes.findByName(users.boss!.id, "Monitoring/watch-alice"))!;
      assert.deepEqual((await store.messages.list(box.id)).map((m) => m.uid), [1, 2], "UIDs taken in order in the new folder");
      assert.equal((await ops.quota(users.boss!.id)).usedBytes, (await folder("boss", "Kept")).concat(await folder("boss", "Monitoring/watch-alice")).reduce((n, m) => n + Buffer.byteLength(m), 0));
    });

    it("delivers the message and makes no copy, writing nothing of it, when the supervisor's account is gone; the trace says so", async (t) => {
      const { flow, settings, folder, store, accounts } = await setup(t, await open(t));
      await settings.addMonitor({ target: "alice@example.com", supervisor: "boss@example.com", direction: "received", scope: "both", name: "watch-alice" }, admin);
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "before"));
      assert.equal((await folder("boss", "Monitoring/watch-alice")).length, 1);
      await accounts.removeUser("boss@example.com");
      const bodies = await store.messages.recentInDomain((await store.domains.findByName(domainName("example.com")))!.id, 100);
      const verdict = await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "after"));
      assert.equal(verdict.kind, "accept");
      assert.deepEqual((await folder("alice", "INBOX")).map((m) => /Subject: (\w+)/.exec(m)![1]), ["before", "after"]);
      assert.equal((await store.messages.recentInDomain((await store.domains.findByName(domainName("example.com")))!.id, 100)).length, bodies.length + 1, "the recipient's body only");
      const trace = (await store.messageTraces.search({ subject: "after", limit: 5 }))[0]!;
      const monitoring = trace.stages.filter((s) => s.stage === "monitoring");
      assert.deepEqual(
        monitoring.map((s) => [s.decision, s.reason]),
        [["drop", "no_supervisor"]],
      );
      // A new account with the supervisor's address gets the copies again.
      const boss = await accounts.addUser({ address: "boss@example.com", password: "a long enough password 1" });
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "again"));
      const box = (await store.mailboxes.findByName(boss.id, "Monitoring/watch-alice"))!;
      assert.equal((await store.messages.list(box.id)).length, 1);
    });

    it("honours direction, scope, group targets and the end date, and never copies a copy", async (t) => {
      const { flow, settings, folder, submission, clock, accounts, audit } = await setup(t, await open(t));
      await accounts.addGroup("sales@example.com");
      await accounts.addMembers("sales@example.com", ["carl@example.com"]);
      await settings.addMonitor({ target: "sales@example.com", supervisor: "boss@example.com", direction: "sent", scope: "external", name: "sales-out" }, admin);
      // The supervisor is monitored too: the copies it gets are not mail it receives.
      await settings.addMonitor({ target: "boss@example.com", supervisor: "alice@example.com", direction: "received", scope: "both", name: "boss-in" }, admin);
      await flow.process(submission("carl"), env("carl@example.com", "bob@example.com"), msg("carl@example.com", "internal-only"));
      await flow.process(submission("carl"), env("carl@example.com", "x@outside.example"), msg("carl@example.com", "to-outside"));
      await flow.process(mx, env("y@sender.example", "carl@example.com"), msg("y@sender.example", "to-carl"));
      const copies = await folder("boss", "Monitoring/sales-out");
      assert.deepEqual(copies.map((c) => /Subject: (\S+)/.exec(c)?.[1]), ["to-outside"]);
      assert.equal((await folder("alice", "Monitoring/boss-in")).length, 0, "no copy of a copy");

      clock.advance(1000);
      await settings.endMonitor("example.com", "sales-out", admin);
      await flow.process(submission("carl"), env("carl@example.com", "x@outside.example"), msg("carl@example.com", "after-end"));
      assert.equal((await folder("boss", "Monitoring/sales-out")).length, 1);
      await assert.rejects(settings.endMonitor("example.com", "sales-out", admin), /already ended/);
      await assert.rejects(settings.addMonitor({ target: "nobody@example.com", supervisor: "boss@example.com", direction: "both", scope: "both" }, admin), /neither an account nor a mail group/);
      await assert.rejects(settings.addMonitor({ target: "carl@example.com", supervisor: "boss@example.com", direction: "both", scope: "both", until: clock.now() - 1 }, admin), /in the future/);
      const entries = await audit.list({ limit: 10, target: "example.com" });
      assert.ok(entries.filter((e) => e.action === "domain.flow_settings").length >= 3, "create, create, end are audited");
    });
  });
});
