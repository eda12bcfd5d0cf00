// User filter rules end to end (issue 7 item 6): the real `moat start`, scripts stored with
// `moat sieve put`, mail sent by nodemailer over the MX and submission listeners, read back
// over IMAP with imapflow; outside mail (redirects, notices, vacation replies) arrives at a real
// SMTP sink routed as outside.example; the forwarding ban at save time (exit 2 and the attempts
// log) and at delivery time (5.7.520 in the trace, the message kept, the user told). On SQLite
// and on PostgreSQL (a database of its own).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import { startSink, type Sink } from "../core/delivery/sink.js";
import { jsonLines, runMoat } from "../support/cli.js";
import { eventually } from "../support/eventually.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { freshDatabase, readFolder, type StoredMessage } from "../support/mail-e2e.js";
import { pgSkip } from "../support/stores.js";
import { tempDir } from "../support/temp.js";

const PW = "a-long-test-password-1";
const users = ["alice", "bob", "carol", "dave", "erin", "frank", "henry"].map((n) => `${n}@example.com`);

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`Sieve filter rules and the forwarding ban end to end on ${dialect}`, { skip: dialect === "postgres" ? pgSkip : false, timeout: 300_000 }, () => {
    let moat: MoatProcess;
    let dropDatabase: (() => Promise<void>) | undefined;
    let sink: Sink;
    let root = "";
    let data = "";
    const env: Record<string, string> = {};
    const cleanups: Array<() => unknown> = [];

    const cli = (...args: string[]) => runMoat(["--data", data, ...args], { env });
    const moatCli = async (...args: string[]) => {
      const r = await cli(...args);
      assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    /** Stores and activates a script for the user with `moat sieve put`. */
    const putScript = async (user: string, name: string, lines: readonly string[]) => {
      const file = path.join(root, `${name}.sieve`);
      fs.writeFileSync(file, `${lines.join("\n")}\n`);
      return cli("sieve", "put", user, file, "--activate");
    };
    const putOk = async (user: string, name: string, lines: readonly string[]) => {
      const r = await putScript(user, name, lines);
      assert.equal(r.code, 0, `moat sieve put ${user} ${name}: ${r.stderr}`);
    };
    const mx = () => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
    const submit = (user: string) => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user, pass: PW } });

    const folder = (user: string, box = "INBOX") => readFolder(moat.ports.imap!, user, PW, box);
    /** Messages whose Subject header is this (a notice quoting it in its body does not count). */
    const headed = (messages: readonly StoredMessage[], subject: string) => messages.filter((m) => m.source.split("\r\n\r\n")[0]!.split("\r\n").includes(`Subject: ${subject}`));
    const withSubject = async (user: string, subject: string, box = "INBOX") => headed(await folder(user, box), subject);
    type Trace = { id: string; subject: string; stages: Array<{ stage: string; decision: string; reason: string; text: string; recipients?: string[] }> };
    const traceOf = async (subject: string) => {
      const found = jsonLines(await moatCli("--json", "trace", "--subject", subject)) as unknown as Trace[];
      const trace = found.find((t) => t.subject === subject);
      assert.ok(trace, `a trace for ${subject}`);
      return trace;
    };
    const sunk = (subject: string) => eventually(async () => sink.received.find((r) => r.raw.toString("utf8").includes(`Subject: ${subject}`)), () => `${subject} at the outside sink`);

    before(async () => {
      root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
      data = path.join(root, "data");
      sink = await startSink({ after: (fn: () => unknown) => cleanups.push(fn) } as unknown as Parameters<typeof startSink>[0]);
      fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
      Object.assign(env, {
        MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"),
        MOAT_RELAY_ROUTES: `outside.example=127.0.0.1:${sink.port}`,
        MOAT_QUEUE_POLL_SECONDS: "1",
        MOAT_AUTH_FAILURE_DELAY_MS: "0",
      });
      if (dialect === "postgres") {
        const db = await freshDatabase("sieve");
        env.MOAT_DATABASE_URL = db.url;
        dropDatabase = db.drop;
      }
      await moatCli("init", "--domain", "example.com");
      await moatCli("domain", "add", "strict.example");
      for (const user of [...users, "gina@strict.example"]) await moatCli("user", "add", user, "--password", PW);
      moat = await startMoat(data, env);
    });

    after(async () => {
      await moat?.stop();
      for (const fn of cleanups) await fn();
      await dropDatabase?.();
    });

    it("files into new folders with flags, keeps and files (two copies), discards, and runs every common test", async () => {
      const put = await putScript("alice@example.com", "main", [
        'require ["fileinto", "imap4flags", "mailbox", "envelope", "body"];',
        'if header :contains "subject" "create-me" { fileinto :create :flags ["\\\\Flagged", "$Work"] "Projects/New"; stop; }',
        'if header :is "subject" "two-copies" { fileinto :create "Copies"; keep; stop; }',
        'if header :contains "subject" "throw-away" { discard; stop; }',
        'if address :domain :is "from" "vip.example" { fileinto :create "VIP"; stop; }',
        'if envelope :localpart :is "from" "bulk-sender" { fileinto :create "Bulk"; stop; }',
        'if size :over 20K { fileinto :create "Large"; stop; }',
        'if exists "x-tracking-id" { fileinto :create "Tracked"; stop; }',
        'if body :text :contains "invoice number" { fileinto :create "Invoices"; stop; }',
      ]);
      assert.equal(put.code, 0, put.stderr);
      assert.match(put.stdout, /stored script main for alice@example\.com \(active\)/);
      const to = "alice@example.com";
      await mx().sendMail({ from: "x@sender.example", to, subject: "create-me", text: "x" });
      await submit("bob@example.com").sendMail({ from: "bob@example.com", to, subject: "create-me too", text: "x" });
      await mx().sendMail({ from: "x@sender.example", to, subject: "two-copies", text: "x" });
      await mx().sendMail({ from: "x@sender.example", to, subject: "throw-away", text: "x" });
      await mx().sendMail({ from: '"Boss" <boss@vip.example>', to, subject: "from-vip", text: "x" });
      await mx().sendMail({ envelope: { from: "bulk-sender@sender.example", to }, from: "news@sender.example", to, subject: "by-envelope", text: "x" });
      await mx().sendMail({ from: "x@sender.example", to, subject: "big-one", text: "y".repeat(30_000) });
      await mx().sendMail({ from: "x@sender.example", to, subject: "tracked", text: "x", headers: { "X-Tracking-Id": "42" } });
      await mx().sendMail({ from: "x@sender.example", to, subject: "bill", text: "Please pay invoice number 7." });
      await mx().sendMail({ from: "x@sender.example", to, subject: "plain", text: "nothing special" });

      const created = await folder(to, "Projects/New");
      assert.deepEqual(created.map((m) => headed([m], "create-me").length + headed([m], "create-me too").length), [1, 1], "MX and submission both filed");
      for (const m of created) assert.ok(m.flags.has("\\Flagged") && m.flags.has("$Work"), [...m.flags].join(" "));
      assert.equal((await withSubject(to, "two-copies", "Copies")).length, 1);
      assert.equal((await withSubject(to, "two-copies")).length, 1);
      assert.equal((await withSubject(to, "throw-away")).length, 0);
      assert.equal((await withSubject(to, "from-vip", "VIP")).length, 1);
      assert.equal((await withSubject(to, "by-envelope", "Bulk")).length, 1);
      assert.equal((await withSubject(to, "big-one", "Large")).length, 1);
      assert.equal((await withSubject(to, "tracked", "Tracked")).length, 1);
      assert.equal((await withSubject(to, "bill", "Invoices")).length, 1);
      assert.equal((await withSubject(to, "plain")).length, 1);
      assert.ok((await traceOf("create-me")).stages.some((s) => s.reason === "sieve_fileinto" && s.text.includes("Projects/New")));
      assert.ok((await traceOf("throw-away")).stages.some((s) => s.reason === "sieve_discard" && s.decision === "drop"));

      const listed = jsonLines(await moatCli("--json", "sieve", "list", to));
      assert.deepEqual(listed.map((s) => [s.name, s.active]), [["main", true]]);
      assert.match(await moatCli("sieve", "get", to, "main"), /fileinto :create "Copies"/);
    });

    it("refuses a script with errors (line and column, exit 2) and checks one from standard input", async () => {
      const bad = await putScript("alice@example.com", "broken", ['require "fileinto";', "if true {", "  fileinto;", "}"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^moat: line 3, column \d+: /m);
      const ok = await runMoat(["--data", data, "sieve", "check", "-"], { env, input: "keep;\n" });
      assert.equal(ok.code, 0, ok.stderr);
      const wrong = await runMoat(["--data", data, "sieve", "check", "-"], { env, input: "keep\n" });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /line \d+, column \d+: /);
    });

    it("rejects with a notice to the sender, and answers once per sender with vacation, never to a list", async () => {
      await putOk("bob@example.com", "away", ['require ["reject", "vacation"];', 'if header :contains "subject" "reject-me" { reject "I do not take these."; stop; }', 'vacation :days 1 :subject "Out of office" "I am away until Monday.";']);
      await mx().sendMail({ from: "pushy@outside.example", to: "bob@example.com", subject: "reject-me", text: "x" });
      assert.equal((await withSubject("bob@example.com", "reject-me")).length, 0);
      assert.ok((await traceOf("reject-me")).stages.some((s) => s.reason === "sieve_reject"));
      const notice = await sunk("Rejected: reject-me");
      assert.equal(notice.from, "");
      assert.deepEqual(notice.to, ["pushy@outside.example"]);
      assert.match(notice.raw.toString("utf8"), /I do not take these\./);

      await mx().sendMail({ from: "friend@outside.example", to: "bob@example.com", subject: "hello-1", text: "x", messageId: "<hello-1@outside.example>" });
      const reply = await sunk("Out of office");
      const text = reply.raw.toString("utf8");
      assert.equal(reply.from, "");
      assert.deepEqual(reply.to, ["friend@outside.example"]);
      assert.match(text, /\r\nAuto-Submitted: auto-replied\r\n/);
      assert.match(text, /\r\nIn-Reply-To: <hello-1@outside\.example>\r\n/);
      assert.match(text, /I am away until Monday\./);
      assert.ok((await traceOf("hello-1")).stages.some((s) => s.reason === "vacation"));

      await mx().sendMail({ from: "friend@outside.example", to: "bob@example.com", subject: "hello-2", text: "x" });
      assert.ok((await traceOf("hello-2")).stages.some((s) => s.reason === "vacation_skipped" && /within the period/.test(s.text)));
      await mx().sendMail({ from: "list@outside.example", to: "bob@example.com", subject: "list-post", text: "x", headers: { "List-Id": "<team.lists.outside.example>" } });
      assert.ok((await traceOf("list-post")).stages.some((s) => s.reason === "vacation_skipped" && /mailing list/.test(s.text)));
      // Both were kept, and only the first message got an answer.
      assert.equal((await withSubject("bob@example.com", "hello-2")).length, 1);
      assert.equal(sink.received.filter((r) => r.raw.toString("utf8").includes("Subject: Out of office")).length, 1);
      await moatCli("sieve", "deactivate", "bob@example.com");
    });

    it("redirects to a local user without running that user's script, and outside when allowed, from the user's address", async () => {
      await putOk("carol@example.com", "to-dave", ['redirect "dave@example.com";']);
      await putOk("dave@example.com", "to-carol", ['redirect "carol@example.com";']);
      await mx().sendMail({ from: "x@sender.example", to: "carol@example.com", subject: "local-redirect", text: "x" });
      assert.equal((await withSubject("dave@example.com", "local-redirect")).length, 1);
      assert.equal((await withSubject("carol@example.com", "local-redirect")).length, 0);
      assert.ok((await traceOf("local-redirect")).stages.some((s) => s.reason === "sieve_redirect" && s.decision === "deliver"));

      await putOk("erin@example.com", "out", ['redirect "erin.home@outside.example";']);
      await mx().sendMail({ from: "x@sender.example", to: "erin@example.com", subject: "outside-redirect", text: "x" });
      const trace = await traceOf("outside-redirect");
      assert.ok(trace.stages.some((s) => s.reason === "sieve_redirect" && s.decision === "queue"));
      assert.ok(trace.stages.some((s) => s.reason === "queued" && s.recipients?.includes("erin.home@outside.example")));
      const forwarded = await sunk("outside-redirect");
      assert.equal(forwarded.from, "erin@example.com");
      assert.deepEqual(forwarded.to, ["erin.home@outside.example"]);
      assert.equal((await withSubject("erin@example.com", "outside-redirect")).length, 0);
      const allowed = jsonLines(await moatCli("--json", "forwarding", "attempts", "example.com", "--account", "erin@example.com"));
      assert.deepEqual(allowed.map((a) => [a.target, a.outcome, a.phase]), [["erin.home@outside.example", "allowed", "save"]]);
    });

    it("refuses a redirect outside at save time where auto-forwarding is off: exit 2, nothing stored, the attempt listed", async () => {
      await moatCli("user", "set", "frank@example.com", "--auto-forward", "off");
      const refused = await putScript("frank@example.com", "leak", ['redirect "frank.private@outside.example";']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /forwarding to frank\.private@outside\.example refused: automatic forwarding outside the company is disabled/);
      assert.deepEqual(jsonLines(await moatCli("--json", "sieve", "list", "frank@example.com")), []);
      const attempts = jsonLines(await moatCli("--json", "forwarding", "attempts", "example.com", "--since", "1h"));
      assert.ok(attempts.some((a) => a.account === "frank@example.com" && a.target === "frank.private@outside.example" && a.via === "sieve" && a.phase === "save" && a.outcome === "refused" && a.rule === "leak"));
      assert.match(await moatCli("forwarding", "attempts", "--account", "frank@example.com"), /frank@example\.com\s+frank\.private@outside\.example\s+sieve\s+save\s+refused\s+leak/);
    });

    it("refuses at delivery a redirect saved before the domain switched auto-forwarding off: 5.7.520, kept, the user told, logged", async () => {
      await putOk("gina@strict.example", "fwd", ['redirect "gina.home@outside.example";']);
      await moatCli("domain", "set", "strict.example", "auto-forward=off");
      const info = await mx().sendMail({ from: "x@sender.example", to: "gina@strict.example", subject: "banned-at-delivery", text: "x" });
      assert.match(info.response, /^250 /);
      const entry = (await traceOf("banned-at-delivery")).stages.find((s) => s.reason === "forwarding_disabled");
      assert.ok(entry);
      assert.equal(entry.stage, "delivery");
      assert.match(entry.text, /^550 5\.7\.520 Access denied, your organization does not allow external forwarding/);
      assert.equal((await withSubject("gina@strict.example", "banned-at-delivery")).length, 1, "kept in INBOX");
      const [ndr] = await withSubject("gina@strict.example", "Undeliverable: banned-at-delivery");
      assert.ok(ndr, "the user is told");
      assert.match(ndr.source, /550 5\.7\.520 Access denied/);
      assert.ok(!sink.received.some((r) => r.to.includes("gina.home@outside.example")));
      const attempts = jsonLines(await moatCli("--json", "forwarding", "attempts", "strict.example", "--outcome", "refused"));
      assert.ok(attempts.some((a) => a.account === "gina@strict.example" && a.target === "gina.home@outside.example" && a.phase === "delivery" && typeof a.messageId === "string"));
    });

    it("forwards with the account setting, with and without a copy, and refuses it where auto-forwarding is off", async () => {
      await moatCli("user", "set", "henry@example.com", "--forward", "henry.home@outside.example");
      await mx().sendMail({ from: "x@sender.example", to: "henry@example.com", subject: "fwd-keep", text: "x" });
      assert.equal((await sunk("fwd-keep")).from, "henry@example.com");
      assert.equal((await withSubject("henry@example.com", "fwd-keep")).length, 1);

      await moatCli("user", "set", "henry@example.com", "--forward-keep", "off");
      await mx().sendMail({ from: "x@sender.example", to: "henry@example.com", subject: "fwd-nokeep", text: "x" });
      await sunk("fwd-nokeep");
      assert.equal((await withSubject("henry@example.com", "fwd-nokeep")).length, 0);

      // Switched off after the setting was saved: refused at delivery, and kept although keep is off.
      await moatCli("user", "set", "henry@example.com", "--auto-forward", "off");
      await mx().sendMail({ from: "x@sender.example", to: "henry@example.com", subject: "fwd-banned", text: "x" });
      assert.ok((await traceOf("fwd-banned")).stages.some((s) => s.reason === "forwarding_disabled" && s.text.startsWith("550 5.7.520")));
      assert.equal((await withSubject("henry@example.com", "fwd-banned")).length, 1);
      // And a new outside target is refused when saved.
      const refused = await cli("user", "set", "henry@example.com", "--forward", "other@outside.example");
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /refused: automatic forwarding outside the company is disabled for henry@example\.com/);
      const attempts = jsonLines(await moatCli("--json", "forwarding", "attempts", "--account", "henry@example.com", "--outcome", "refused"));
      assert.deepEqual(attempts.map((a) => [a.target, a.via, a.phase]), [["other@outside.example", "forward-setting", "save"], ["henry.home@outside.example", "forward-setting", "delivery"]]);
    });
  });
}
