// Admin filter rules in the real pipeline over a real store (issue 7 item 5): each action on
// local and remote copies, which domain's rules apply to which copies, quarantine released by
// the held queue, the trace, the audit log, and the dry run — on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { compileRules } from "../../../src/core/flow/admin-rules/evaluate.js";
import { AdminRulesService } from "../../../src/core/flow/admin-rules/service.js";
import { parseAction, parseCondition } from "../../../src/core/flow/admin-rules/text.js";
import { HeldQueue } from "../../../src/core/flow/held-queue.js";
import { createMailFlow } from "../../../src/core/flow/pipeline.js";
import type { Store } from "../../../src/core/ports/store.js";
import { forEachDialect } from "../../support/stores.js";
import { env, flowAdmin as admin, flowDomain, mx } from "../../support/flow.js";
import { zoneResolver } from "../../support/dns.js";

const msg = (from: string, subject: string, extra = "") => Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\n${extra}\r\nbody of ${subject}\r\n`);

async function setup(t: TestContext, store: Store) {
  const base = await flowDomain(t, store, ["alice", "bob"]);
  (base.users as Record<string, unknown>).boss = await base.accounts.addUser({ address: "boss@example.com", password: "a-long-password-1", role: "domain_admin" });
  await base.accounts.addDomain("other.example");
  (base.users as Record<string, unknown>).carol = await base.accounts.addUser({ address: "carol@other.example", password: "a-long-password-1" });
  const queued: Array<{ recipients: readonly string[]; message: string; mailFrom: string | null }> = [];
  const flow = createMailFlow({
    store,
    mailstore: base.mailstore,
    clock: base.clock,
    dns: zoneResolver({}),
    hostname: "mx.example.com",
    maxMessageBytes: 100_000,
    maxReceivedHeaders: 5,
    enqueueRemote: async (_tx, job) => {
      queued.push({ recipients: job.recipients, mailFrom: job.mailFrom, message: job.body.inline?.toString("utf8") ?? "" });
    },
  });
  const rules = new AdminRulesService(base.settings, store, base.mailstore, "mx.example.com");
  const add = (domain: string, name: string, conditions: string[], actions: string[], extra: { position?: number; enabled?: boolean } = {}) =>
    rules.add(domain, { name, conditions: conditions.map(parseCondition), actions: actions.map(parseAction), ...extra }, admin);
  const held = new HeldQueue(store, base.mailstore, flow, base.clock, "mx.example.com");
  const traceOf = async (subject: string) => (await store.messageTraces.search({ subject, limit: 5 })).find((t) => t.subject === subject);
  return { ...base, flow, rules, add, queued, held, traceOf };
}

forEachDialect((dialect, open) => {
  describe(`admin filter rules on ${dialect}`, () => {
    it("junks, deletes, tags and adds a header on the recipient domain's copies; the trace names each rule", async (t) => {
      const { flow, add, folder, traceOf } = await setup(t, await open(t));
      await add("example.com", "junk-bulk", ["header:X-Mailer contains bulk"], ["junk"]);
      await add("example.com", "drop-exe", ["attachment-name matches *.exe"], ["delete"]);
      await add("example.com", "mark", ["from-domain is sender.example", "subject contains report"], ["header X-Checked: yes", "stop"]);
      await add("example.com", "never", ["subject contains anything"], ["delete"]);
      const verdict = await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "bulk news", "X-Mailer: BulkMail 2\r\n"));
      assert.equal(verdict.kind, "accept");
      assert.equal((await folder("alice", "Junk")).length, 1);
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "monthly report"));
      const [marked] = await folder("alice", "INBOX");
      assert.match(marked!, /^X-Checked: yes\r\n/, "the header, and stop kept 'never' from deleting it");
      const trace = await traceOf("monthly report");
      assert.ok(trace?.stages.some((s) => s.stage === "admin_rules" && s.reason === "rule:mark" && s.decision === "mark"));
      await flow.process(mx, env("y@sender.example", "alice@example.com", "bob@example.com"), msg("y@sender.example", "anything"));
      assert.equal((await folder("bob", "INBOX")).length, 0, "deleted by 'never'");
      const dropped = await traceOf("anything");
      assert.deepEqual(dropped?.stages.find((s) => s.reason === "rule:never")?.recipients, ["alice@example.com", "bob@example.com"]);
      assert.equal(dropped?.stages.find((s) => s.reason === "rule:never")?.decision, "drop");
    });

    it("bounces with the rule's message to the sender, never to a null sender", async (t) => {
      const { flow, add, folder, submission, traceOf } = await setup(t, await open(t));
      await add("example.com", "no-invoices", ["subject contains invoice"], ["bounce We do not take invoices by mail"]);
      await flow.process(submission("alice"), env("alice@example.com", "bob@example.com"), msg("alice@example.com", "invoice 7"));
      assert.equal((await folder("bob", "INBOX")).length, 0);
      const notices = await folder("alice", "INBOX");
      assert.equal(notices.length, 1);
      assert.match(notices[0]!, /Subject: Not delivered: invoice 7/);
      assert.match(notices[0]!, /We do not take invoices by mail/);
      assert.equal((await traceOf("invoice 7"))?.stages.find((s) => s.reason === "rule:no-invoices")?.decision, "drop");
      await flow.process(mx, env(null, "bob@example.com"), msg("mailer-daemon@sender.example", "invoice bounce"));
      assert.equal((await folder("bob", "INBOX")).length, 0);
    });

    it("quarantines for the domain's admins; an approval delivers it without running the rules again", async (t) => {
      const { flow, add, folder, held } = await setup(t, await open(t));
      await add("example.com", "hold-pdf", ["attachment-type is application/pdf"], ["quarantine"]);
      const withPdf = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment\r\n\r\nJVBE\r\n--b--';
      const verdict = await flow.process(mx, env("y@sender.example", "alice@example.com"), Buffer.from(`From: y@sender.example\r\nSubject: the pdf\r\n${withPdf}\r\n`));
      assert.equal(verdict.kind, "accept");
      assert.equal((await folder("alice", "INBOX")).length, 0);
      const [hold] = await held.list({ status: "held", kind: "quarantine", limit: 10 });
      assert.ok(hold);
      assert.equal(hold.id, `${verdict.kind === "accept" ? verdict.id : ""}.Q1`);
      assert.equal(hold.rule, "rule hold-pdf of example.com");
      assert.deepEqual(hold.recipients, ["alice@example.com"]);
      assert.deepEqual(hold.deciders, ["boss@example.com"], "the domain's admins");
      assert.match((await folder("boss", "INBOX"))[0] ?? "", /moat audit approve .*\.Q1/, "and told");
      await held.approve(hold.id, admin);
      assert.equal((await folder("alice", "INBOX")).length, 1, "released past the admin rules");
    });

    it("applies the sender domain's rules to outbound copies, remote ones too, each copy once", async (t) => {
      const { flow, add, folder, submission, queued } = await setup(t, await open(t));
      await add("example.com", "tag-out", ["direction is outbound"], ["header X-Out: 1"]);
      await add("example.com", "tag-internal", ["direction is internal"], ["header X-In: 1"]);
      await add("other.example", "tag-carol", ["from-domain is example.com"], ["header X-Other: 1"]);
      const sent = await flow.process(submission("alice"), env("alice@example.com", "x@remote.example", "bob@example.com", "carol@other.example"), msg("alice@example.com", "hello all"));
      assert.equal(sent.kind, "accept", JSON.stringify(sent));
      assert.equal(queued.length, 1);
      assert.match(queued[0]!.message, /^X-Out: 1\r\n/);
      const [toBob] = await folder("bob", "INBOX");
      assert.match(toBob!, /^X-In: 1\r\n/);
      assert.doesNotMatch(toBob!, /X-Out/, "bob's copy met example.com's rules once, as internal");
      // other.example is one company with example.com (no organisations named): internal for both
      // domains, carol's own domain's rules first.
      const [toCarol] = await folder("carol", "INBOX");
      assert.match(toCarol!, /^X-Other: 1\r\nX-In: 1\r\n/);
      assert.doesNotMatch(toCarol!, /X-Out/);
    });

    it("records every change in the admin audit log, keeps names unique and orders by position", async (t) => {
      const { add, rules, audit, settings } = await setup(t, await open(t));
      await add("example.com", "one", ["size over 1"], ["junk"]);
      // Compiled once per settings read: the same stored settings give the same frozen rules.
      const read = (await settings.forDomain("example.com")).rules;
      assert.ok(Object.isFrozen(read));
      assert.equal(compileRules(read), compileRules((await settings.forDomain("example.com")).rules));
      await add("example.com", "two", ["size over 1"], ["junk"], { position: 1 });
      assert.deepEqual((await rules.list("example.com")).map((r) => r.name), ["two", "one"]);
      await assert.rejects(add("example.com", "one", ["size over 1"], ["junk"]), /exists/);
      await rules.move("example.com", "one", 1, admin);
      await rules.setEnabled("example.com", "two", false, admin);
      await rules.remove("example.com", "one", admin);
      assert.deepEqual((await rules.list("example.com")).map((r) => [r.name, r.enabled]), [["two", false]]);
      const entries = await audit.list({ limit: 20, target: "example.com" });
      assert.equal(entries.filter((e) => e.action === "domain.flow_settings").length, 5);
    });

    it("dry-runs a disabled rule against the domain's recent mail", async (t) => {
      const { flow, add, rules, submission, clock, store, mailstore, users } = await setup(t, await open(t));
      await flow.process(mx, env("y@sender.example", "alice@example.com"), msg("y@sender.example", "cheap pills"));
      clock.advance(1000);
      await flow.process(submission("bob"), env("bob@example.com", "alice@example.com"), msg("bob@example.com", "lunch"));
      clock.advance(1000);
      await flow.process(mx, env("y@sender.example", "carol@other.example"), msg("y@sender.example", "pills elsewhere"));
      // A copy the client keeps in Sent is not mail the domain received.
      const sent = (await store.mailboxes.findSpecial(users.bob!.id, "\\Sent"))!;
      const kept = await mailstore.prepare(msg("bob@example.com", "pills I sent"));
      await store.transaction((tx) => mailstore.deliver(tx, kept, [{ userId: users.bob!.id, mailboxId: sent.id }]));
      await add("example.com", "pills", ["subject contains pills", "direction is external"], ["junk"], { enabled: false });
      const rows = await rules.dryRun("example.com", "pills", 10);
      assert.deepEqual(rows.map((r) => [r.subject, r.matched, r.would]), [["lunch", false, ""], ["cheap pills", true, "move to Junk"]]);
      assert.equal(rows[1]!.from, "y@sender.example");
      assert.equal((await rules.dryRun("example.com", "pills", 1)).length, 1);
    });
  });
});
