// Recall and purge over a real store (issue 7 item 8): a sender withdraws a message from its
// internal recipients — unread copies go, read and POP3-downloaded ones are reported, outside
// recipients are out of reach — and an admin deletes every copy of a phishing mail in one batch.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { MessageRecall } from "../../src/core/flow/recall.js";
import { downloadedKeyword } from "../../src/core/maildrop/maildrop.js";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import type { Store } from "../../src/core/ports/store.js";
import { env, flowAdmin as admin, flowDomain, mx } from "../support/flow.js";
import { forEachDialect } from "../support/stores.js";

const msg = (from: string, subject: string, id: string) => Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\n\r\nbody\r\n`);

async function setup(t: TestContext, store: Store) {
  const domain = await flowDomain(t, store, ["alice", "bob", "carl", "dora"]);
  const mailboxes = new MailboxOperations(store, domain.blobs, domain.clock, new InProcessMailboxEvents());
  const recall = new MessageRecall(store, mailboxes, domain.accounts, domain.audit, domain.clock, domain.flow, "mx.example.com");
  const uidsOf = async (name: string) => (await mailboxes.messages(domain.users[name]!.id, "INBOX")).map((m) => m.uid);
  return { ...domain, mailboxes, recall, uidsOf };
}

forEachDialect((dialect, open) => {
  describe(`recall and purge on ${dialect}`, () => {
    it("withdraws unread internal copies, reports read, downloaded and outside recipients, within the window", async (t) => {
      const { flow, recall, submission, mailboxes, users, uidsOf, folder, settings, clock, audit } = await setup(t, await open(t));
      await flow.process(submission("alice"), env("alice@example.com", "bob@example.com", "carl@example.com", "dora@example.com", "x@outside.example"), msg("alice@example.com", "Oops", "oops-1@example.com"));
      const [bobUid] = await uidsOf("bob");
      await mailboxes.setFlags(users.bob!.id, "INBOX", [[bobUid!, bobUid!]], { mode: "add", flags: ["\\Seen"] });
      const [doraUid] = await uidsOf("dora");
      await mailboxes.setFlags(users.dora!.id, "INBOX", [[doraUid!, doraUid!]], { mode: "add", flags: [downloadedKeyword] });

      const report = await recall.recall("alice@example.com", "<oops-1@example.com>", { kind: "user", userId: users.alice!.id, address: "alice@example.com" });
      const outcome = Object.fromEntries(report.map((r) => [r.recipient, r.outcome]));
      assert.deepEqual(outcome, { "x@outside.example": "external", "bob@example.com": "already_read", "carl@example.com": "withdrawn", "dora@example.com": "downloaded_pop3" });
      assert.equal((await folder("carl")).length, 0);
      assert.equal((await folder("bob")).length, 1);
      assert.ok((await audit.list({ limit: 5 })).some((e) => e.action === "mail.recall"));

      // "Always" withdraws read copies too, and a recipient may be told.
      await settings.updateDomain("example.com", { recallUnreadOnly: false, recallNotice: true }, admin);
      const again = await recall.recall("alice@example.com", "oops-1@example.com", admin);
      assert.equal(again.find((r) => r.recipient === "bob@example.com")?.outcome, "withdrawn");
      assert.equal(again.find((r) => r.recipient === "carl@example.com")?.outcome, "not_found");
      const bobNow = await folder("bob");
      assert.equal(bobNow.length, 1, "only the notice is left");
      assert.match(bobNow[0]!, /Subject: Message withdrawn: Oops/);

      clock.advance(31 * 86_400_000);
      await assert.rejects(recall.recall("alice@example.com", "oops-1@example.com", admin), /in the last 30 days/);
      await assert.rejects(recall.recall("bob@example.com", "oops-1@example.com", admin), /no message <oops-1@example\.com> sent by bob@example\.com/);
    });

    it("purges every copy of a phishing mail across the domain, read or not, after a dry run that removes nothing", async (t) => {
      const { flow, recall, folder, users, mailboxes, uidsOf, audit } = await setup(t, await open(t));
      for (const n of ["bob", "carl", "dora"]) await flow.process(mx, env("ceo@evil.example", `${n}@example.com`), msg("CEO <ceo@evil.example>", "Urgent wire transfer", "phish@evil.example"));
      await flow.process(mx, env("friend@ok.example", "bob@example.com"), msg("friend@ok.example", "Lunch", "lunch@ok.example"));
      const [carlUid] = await uidsOf("carl");
      await mailboxes.setFlags(users.carl!.id, "INBOX", [[carlUid!, carlUid!]], { mode: "add", flags: ["\\Seen"] });

      const dry = await recall.purge("example.com", { from: "ceo@evil.example" }, admin, { dryRun: true });
      assert.deepEqual(dry.map((c) => c.user).sort(), ["bob@example.com", "carl@example.com", "dora@example.com"]);
      assert.equal((await folder("carl")).length, 1);

      const removed = await recall.purge("example.com", { messageId: "phish@evil.example", subject: "wire" }, admin);
      assert.equal(removed.length, 3);
      assert.equal((await folder("carl")).length, 0);
      assert.deepEqual((await folder("bob")).map((m) => /Subject: (.*)\r\n/.exec(m)?.[1]), ["Lunch"]);
      const [entry] = await audit.list({ limit: 1 });
      assert.equal(entry?.action, "mail.purge");
      await assert.rejects(recall.purge("example.com", {}, admin), /give a message id, a sender or a subject/);
    });
  });
});
