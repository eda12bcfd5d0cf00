// Held mail over a real store (issue 7, items 2 and 3): a moderated group's mail and an audited
// account's mail wait; approval resumes the pipeline, rejection tells the sender, a timeout
// follows the domain's action, and the held body survives an expunge of an identical copy.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { HeldQueue } from "../../src/core/flow/held-queue.js";
import { FlowUpkeep } from "../../src/core/flow/upkeep.js";
import type { Store } from "../../src/core/ports/store.js";
import { addr, env, flowAdmin as admin, flowDomain, mx } from "../support/flow.js";
import { forEachDialect } from "../support/stores.js";

const msg = (from: string, subject: string) => Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\nPlease look at the quarterly numbers.\r\n`);

async function setup(t: TestContext, store: Store) {
  const domain = await flowDomain(t, store, ["alice", "bob", "mod", "boss"]);
  await domain.accounts.addGroup("team@example.com");
  await domain.accounts.addMembers("team@example.com", ["alice@example.com", "bob@example.com"]);
  const held = new HeldQueue(store, domain.mailstore, domain.flow, domain.clock, "mx.example.com");
  return { ...domain, held, inbox: (name: string) => domain.folder(name) };
}

forEachDialect((dialect, open) => {
  describe(`held mail on ${dialect}`, () => {
    it("holds mail to a moderated group for its moderators, tells them, and delivers to every member on approval", async (t) => {
      const { flow, settings, held, inbox } = await setup(t, await open(t));
      await settings.updateGroup("team@example.com", { senders: "anyone", moderators: [addr("mod@example.com")] }, admin);
      const verdict = await flow.process(mx, env("x@sender.example", "team@example.com", "boss@example.com"), msg("x@sender.example", "moderated"));
      assert.equal(verdict.kind, "accept");
      assert.equal((await inbox("alice")).length, 0);
      assert.equal((await inbox("boss")).length, 1, "recipients that are not moderated go on at once");
      const notices = await inbox("mod");
      assert.equal(notices.length, 1);
      assert.match(notices[0]!, /Subject: Approval needed: moderated/);
      assert.match(notices[0]!, /Please look at the quarterly numbers\./);
      const [hold] = await held.list({ status: "held", decider: "mod@example.com", limit: 10 });
      assert.ok(hold);
      assert.deepEqual(hold.recipients, ["team@example.com"]);
      assert.equal(hold.kind, "moderation");

      // Not a decider: refused as if it did not exist; an admin or the moderator may decide.
      await assert.rejects(held.approve(hold.id, { kind: "user", userId: 1, address: "alice@example.com" }), { code: "held_not_found" });
      const { verdict: released } = await held.approve(hold.id, { kind: "user", userId: 0, address: "mod@example.com" });
      assert.equal(released.kind, "accept");
      assert.equal((await inbox("alice")).length, 1);
      assert.equal((await inbox("bob")).length, 1);
      await assert.rejects(held.reject(hold.id, admin, "late"), /already approved by mod@example\.com/);
    });

    it("does not hold a moderator's own mail when moderators are exempt", async (t) => {
      const { flow, settings, inbox, submission } = await setup(t, await open(t));
      await settings.updateGroup("team@example.com", { senders: "anyone", moderators: [addr("mod@example.com")] }, admin);
      await flow.process(submission("mod"), env("mod@example.com", "team@example.com"), msg("mod@example.com", "from-moderator"));
      assert.equal((await inbox("alice")).length, 1);
      await settings.updateGroup("team@example.com", { moderatorsExempt: false }, admin);
      await flow.process(submission("mod"), env("mod@example.com", "team@example.com"), msg("mod@example.com", "not-exempt"));
      assert.equal((await inbox("alice")).length, 1);
    });

    it("holds an audited account's outgoing mail (also as a group member) and tells the sender of a rejection with the reason", async (t) => {
      const { flow, settings, held, inbox, submission } = await setup(t, await open(t));
      await settings.addAudit("team@example.com", "boss@example.com", admin);
      const verdict = await flow.process(submission("alice"), env("alice@example.com", "mod@example.com"), msg("alice@example.com", "audited"));
      assert.equal(verdict.kind, "accept");
      assert.equal((await inbox("mod")).length, 0);
      assert.match((await inbox("boss"))[0]!, /Subject: Approval needed: audited/);
      const [hold] = await held.list({ status: "held", kind: "audit", limit: 10 });
      assert.ok(hold);
      await held.reject(hold.id, { kind: "user", userId: 0, address: "boss@example.com" }, "Contains confidential figures");
      assert.equal((await inbox("mod")).length, 0);
      const notice = (await inbox("alice")).find((m) => m.includes("Subject: Not delivered: audited"));
      assert.ok(notice);
      assert.match(notice, /Reason: +Contains confidential figures/);
      assert.match(notice, /^Auto-Submitted: auto-generated$/m);
      const trace = (await settings.traces({ subject: "audited", limit: 5 })).find((t) => t.decision === "held");
      assert.ok(trace?.stages.some((s) => s.stage === "audit" && s.decision === "hold"));
    });

    it("follows the domain's timeout action for holds nobody decides, and keeps a held body while a copy is expunged", async (t) => {
      const { flow, settings, held, inbox, submission, clock, store } = await setup(t, await open(t));
      await settings.updateDomain("example.com", { holdTimeoutHours: 2, holdTimeoutAction: "release" }, admin);
      await settings.addAudit("bob@example.com", "boss@example.com", admin);
      const body = msg("bob@example.com", "timeout");
      await flow.process(submission("bob"), env("bob@example.com", "alice@example.com"), body);
      // An identical copy delivered and expunged elsewhere must not take the held body with it.
      const [hold] = await held.list({ status: "held", limit: 10 });
      assert.ok(hold);
      await store.transaction((tx) => tx.messageState.releaseBodies([hold.bodyHash]));
      clock.advance(3_600_000);
      assert.equal(await held.expireDue(), 0);
      clock.advance(3_600_000 + 1);
      assert.equal(await held.expireDue(), 1);
      const got = await inbox("alice");
      assert.equal(got.length, 1);
      assert.match(got[0]!, /Subject: timeout/);
      assert.equal((await held.get(hold.id)).decidedBy, "timeout");

      await settings.updateDomain("example.com", { holdTimeoutAction: "reject" }, admin);
      await flow.process(submission("bob"), env("bob@example.com", "alice@example.com"), msg("bob@example.com", "timeout-reject"));
      clock.advance(2 * 3_600_000 + 1);
      assert.equal(await held.expireDue(), 1);
      assert.equal((await inbox("alice")).length, 1);
      assert.ok((await inbox("bob")).some((m) => /Subject: Not delivered: timeout-reject/.test(m) && /nobody approved it/.test(m)));
    });

    it("prunes message traces past their retention, and nothing newer", async (t) => {
      const { flow, held, clock, store, submission } = await setup(t, await open(t));
      const upkeep = new FlowUpkeep(store, clock, held, 30);
      await flow.process(submission("alice"), env("alice@example.com", "bob@example.com"), msg("alice@example.com", "old"));
      clock.advance(31 * 86_400_000);
      await flow.process(submission("alice"), env("alice@example.com", "bob@example.com"), msg("alice@example.com", "new"));
      assert.equal(await upkeep.pruneTraces(), 1);
      assert.deepEqual((await store.messageTraces.search({ limit: 10 })).map((x) => x.subject), ["new"]);
    });
  });
});
