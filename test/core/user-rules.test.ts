// User filter rules over a real store (issue 7 item 6): Sieve scripts kept with ManageSieve's
// rules and audited, the forwarding ban at save time (scripts and the forward setting) and at
// delivery time (the 5.7.520 refusal), and what delivery makes of each action.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { Forwarding } from "../../src/core/flow/user-rules/forwarding.js";
import { SieveScripts } from "../../src/core/flow/user-rules/sieve-scripts.js";
import type { Store } from "../../src/core/ports/store.js";
import { isMoatError } from "../../src/shared/errors.js";
import { env, flowAdmin as admin, flowDomain, mx } from "../support/flow.js";
import { forEachDialect } from "../support/stores.js";

/** Messages whose Subject header (not a line quoted in a notice's body) is this. */
const headed = (messages: readonly string[], subject: string) => messages.filter((m) => m.split("\r\n\r\n")[0]!.split("\r\n").includes(`Subject: ${subject}`));
const msg = (subject: string, extra = "") => Buffer.from(`From: Sender <s@sender.example>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@sender.example>\r\n${extra}\r\nbody of ${subject}\r\n`);

async function setup(t: TestContext, store: Store) {
  const domain = await flowDomain(t, store, ["alice", "bob"]);
  await domain.accounts.addDomain("partner.example");
  await domain.settings.updateDomain("partner.example", { organisation: "Partner" }, admin);
  const sieve = new SieveScripts(store, domain.accounts, domain.audit, domain.clock);
  const forwarding = new Forwarding(store, domain.accounts, domain.settings, domain.clock);
  /** The trace of the message with this subject (not of a notice quoting it). */
  const traceOf = async (subject: string) => (await store.messageTraces.search({ subject, limit: 10 })).find((t) => t.subject === subject)!;
  return { ...domain, sieve, forwarding, traceOf };
}

forEachDialect((dialect, open) => {
  describe(`user filter rules on ${dialect}`, () => {
    it("keeps several named scripts with at most one active, audits every change, and refuses bad ones with line and column", async (t) => {
      const { sieve, audit } = await setup(t, await open(t));
      await sieve.put("alice@example.com", "work", 'require "fileinto"; fileinto "Work";', admin);
      await sieve.put("alice@example.com", "main", "keep;", admin, { activate: true });
      await sieve.activate("alice@example.com", "work", admin);
      assert.deepEqual((await sieve.list("alice@example.com")).map((s) => [s.name, s.active]), [["main", false], ["work", true]]);
      // Replacing the active script keeps it active (ManageSieve PUTSCRIPT).
      await sieve.put("alice@example.com", "work", 'require "fileinto";\nfileinto "Work2";', admin);
      assert.equal((await sieve.get("alice@example.com", "work")).active, true);
      await assert.rejects(sieve.remove("alice@example.com", "work", admin), /active script .* deactivate it first/);
      await sieve.rename("alice@example.com", "main", "old", admin);
      await sieve.remove("alice@example.com", "old", admin);
      await sieve.deactivate("alice@example.com", admin);
      assert.deepEqual((await sieve.list("alice@example.com")).map((s) => [s.name, s.active]), [["work", false]]);

      await assert.rejects(sieve.put("alice@example.com", "bad", 'require "fileinto";\nfileinto;\n', admin), (err) => isMoatError(err, "sieve_invalid") && /^line 2, column \d+: /.test(err.message));
      await assert.rejects(sieve.put("alice@example.com", "x".repeat(129), "keep;", admin), /not a valid script name/);
      await assert.rejects(sieve.put("alice@example.com", "a\nb", "keep;", admin), /not a valid script name/);
      assert.deepEqual(sieve.check("keep;"), []);
      assert.equal(sieve.check("frobnicate;")[0]?.line, 1);
      const actions = (await audit.list({ limit: 50 })).filter((e) => e.target === "alice@example.com").map((e) => e.action);
      assert.equal(actions.filter((a) => a === "user.sieve_script").length, 4, actions.join()); // three puts and a removal
      assert.ok(actions.includes("user.sieve_active") && actions.includes("user.sieve_rename"));
    });

    it("refuses at save time a redirect or a forward outside the company where auto-forwarding is off, and logs each refusal", async (t) => {
      const { sieve, forwarding, settings, store } = await setup(t, await open(t));
      const outside = 'redirect "x@outside.example";';
      await sieve.put("alice@example.com", "fw", outside, admin); // allowed: on by default, logged as allowed
      await settings.updateDomain("example.com", { autoForward: false }, admin);
      await assert.rejects(sieve.put("alice@example.com", "fw2", outside, admin), (err) => isMoatError(err, "forwarding_refused") && /x@outside\.example/.test(err.message));
      await assert.rejects(sieve.activate("alice@example.com", "fw", admin), /forwarding .* refused/);
      // Inside the company is fine; another organisation on this install is outside.
      await sieve.put("alice@example.com", "inside", 'redirect "bob@example.com";', admin, { activate: true });
      await assert.rejects(sieve.put("alice@example.com", "partner", 'redirect "p@partner.example";', admin), /refused/);
      // The account's own switch counts too, and the plain forward setting is checked the same way.
      await settings.updateDomain("example.com", { autoForward: true }, admin);
      await settings.updateAccount("bob@example.com", { autoForward: false }, admin);
      await assert.rejects(forwarding.setForward("bob@example.com", { forwardTo: ["y@outside.example"] }, admin), /refused/);
      await forwarding.setForward("bob@example.com", { forwardTo: ["alice@example.com"], forwardKeep: false }, admin);
      assert.deepEqual((await settings.forAccount("bob@example.com")).own.forwardTo, ["alice@example.com"]);

      const refused = await forwarding.attempts({ domain: "example.com", outcome: "refused", limit: 10 });
      assert.deepEqual(
        refused.map((a) => [a.account, a.target, a.via, a.phase, a.rule]),
        [
          ["bob@example.com", "y@outside.example", "forward-setting", "save", "forward setting"],
          ["alice@example.com", "p@partner.example", "sieve", "save", "partner"],
          ["alice@example.com", "x@outside.example", "sieve", "save", "fw"],
          ["alice@example.com", "x@outside.example", "sieve", "save", "fw2"],
        ],
      );
      assert.equal((await forwarding.attempts({ account: "alice@example.com", outcome: "allowed", limit: 10 })).length, 1);
      assert.equal((await store.sieveScripts.list((await store.users.findByAddress("alice@example.com" as never))!.id)).some((s) => s.name === "fw2"), false);
      // An internal-only account may not forward outside either: that mail would leave the company.
      await settings.updateAccount("alice@example.com", { internalOnly: true }, admin);
      await assert.rejects(sieve.put("alice@example.com", "io", outside, admin), /refused/);
    });

    it("files, flags, discards and rejects at delivery, with a trace entry for each decision", async (t) => {
      const { sieve, flow, folder, traceOf, store, users } = await setup(t, await open(t));
      await sieve.put(
        "alice@example.com",
        "main",
        [
          'require ["fileinto", "imap4flags", "mailbox", "reject"];',
          'if header :contains "subject" "report" { fileinto :create :flags "\\\\Flagged" "Reports/Daily"; stop; }',
          'if header :contains "subject" "spam" { discard; stop; }',
          'if header :contains "subject" "nope" { reject "not wanted"; stop; }',
          'if header :contains "subject" "both" { fileinto "Missing"; keep; }',
        ].join("\n"),
        admin,
        { activate: true },
      );
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("report-1"));
      const box = await store.mailboxes.findByName(users.alice!.id, "Reports/Daily");
      assert.ok(box, "created by :create");
      const [filed] = await store.messages.list(box.id);
      assert.deepEqual(filed?.flags, ["\\Flagged"]);
      assert.ok((await traceOf("report-1")).stages.some((s) => s.reason === "sieve_fileinto"));

      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("spam-1"));
      assert.ok((await traceOf("spam-1")).stages.some((s) => s.reason === "sieve_discard" && s.decision === "drop"));
      // A missing folder without :create is the Inbox; keep adds nothing more there.
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("both-1"));
      assert.equal(headed(await folder("alice"), "both-1").length, 1);
      assert.equal((await folder("alice")).filter((m) => m.includes("spam-1")).length, 0);

      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("nope-1"));
      assert.ok((await traceOf("nope-1")).stages.some((s) => s.reason === "sieve_reject"));
      assert.equal((await folder("alice")).filter((m) => m.includes("nope-1")).length, 0);
      // The notice went to the (remote) sender: queued, and traced as system mail.
      const notice = (await store.messageTraces.search({ to: "s@sender.example", limit: 5 }))[0];
      assert.match(notice?.subject ?? "", /^Rejected: nope-1/);
    });

    it("refuses a redirect at delivery once auto-forwarding was switched off after the save: 5.7.520, kept, the user told, logged", async (t) => {
      const { sieve, flow, folder, traceOf, settings, forwarding } = await setup(t, await open(t));
      await sieve.put("alice@example.com", "fw", 'redirect "x@outside.example";', admin, { activate: true });
      await settings.updateDomain("example.com", { autoForward: false }, admin);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("fw-1"));
      const trace = await traceOf("fw-1");
      const entry = trace.stages.find((s) => s.reason === "forwarding_disabled");
      assert.ok(entry, JSON.stringify(trace.stages));
      assert.match(entry.text, /^550 5\.7\.520 Access denied, your organization does not allow external forwarding/);
      const inbox = await folder("alice");
      assert.equal(headed(inbox, "fw-1").length, 1, "kept");
      assert.ok(inbox.some((m) => m.includes("Subject: Undeliverable: fw-1") && m.includes("5.7.520")), "NDR notice");
      const [attempt] = await forwarding.attempts({ account: "alice@example.com", outcome: "refused", limit: 5 });
      assert.equal(attempt?.phase, "delivery");
      assert.equal(attempt?.target, "x@outside.example");

      // Allowed again: queued with alice as the envelope sender, and not kept (redirect cancels keep).
      await settings.updateDomain("example.com", { autoForward: true }, admin);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("fw-2"));
      assert.ok((await traceOf("fw-2")).stages.some((s) => s.reason === "sieve_redirect" && s.decision === "queue"));
      assert.equal((await folder("alice")).filter((m) => m.includes("Subject: fw-2")).length, 0);
    });

    it("redirects to a local user without running that user's script, and applies the forward setting with and without a copy", async (t) => {
      const { sieve, flow, folder, forwarding } = await setup(t, await open(t));
      await sieve.put("alice@example.com", "to-bob", 'redirect "bob@example.com";', admin, { activate: true });
      await sieve.put("bob@example.com", "to-alice", 'redirect "alice@example.com";', admin, { activate: true });
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("loop-1"));
      assert.equal((await folder("bob")).filter((m) => m.includes("loop-1")).length, 1);
      assert.equal((await folder("alice")).filter((m) => m.includes("loop-1")).length, 0);
      await sieve.deactivate("alice@example.com", admin);
      await sieve.deactivate("bob@example.com", admin);

      await forwarding.setForward("alice@example.com", { forwardTo: ["bob@example.com"] }, admin);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("fwd-keep"));
      assert.equal((await folder("alice")).filter((m) => m.includes("fwd-keep")).length, 1);
      assert.equal((await folder("bob")).filter((m) => m.includes("fwd-keep")).length, 1);
      await forwarding.setForward("alice@example.com", { forwardKeep: false }, admin);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("fwd-nokeep"));
      assert.equal((await folder("alice")).filter((m) => m.includes("fwd-nokeep")).length, 0);
      assert.equal((await folder("bob")).filter((m) => m.includes("fwd-nokeep")).length, 1);
    });

    it("answers once per sender within :days, never lists or automatic mail, and again after the period", async (t) => {
      const { sieve, flow, store, clock } = await setup(t, await open(t));
      await sieve.put("alice@example.com", "away", 'require "vacation";\nvacation :days 3 :subject "Away" "I am away.";', admin, { activate: true });
      const replies = async () => (await store.messageTraces.search({ to: "s@sender.example", limit: 20 })).filter((t) => t.subject === "Away").length;
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("v-1"));
      assert.equal(await replies(), 1);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("v-2"));
      assert.equal(await replies(), 1, "within :days");
      await flow.process(mx, env("other@sender.example", "alice@example.com"), msg("v-list", "List-Id: <x.lists.example>\r\n"));
      await flow.process(mx, env("other@sender.example", "alice@example.com"), msg("v-auto", "Auto-Submitted: auto-generated\r\n"));
      await flow.process(mx, env(null, "alice@example.com"), msg("v-bounce"));
      assert.equal((await store.messageTraces.search({ to: "other@sender.example", limit: 5 })).length, 0);
      clock.advance(3 * 86_400_000 + 1);
      await flow.process(mx, env("s@sender.example", "alice@example.com"), msg("v-3"));
      assert.equal(await replies(), 2);
      const reply = (await store.messageTraces.search({ to: "s@sender.example", limit: 1 }))[0]!;
      assert.equal(reply.mailFrom, null);
    });
  });
});
