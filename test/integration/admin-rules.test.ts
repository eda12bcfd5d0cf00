// Admin filter rules end to end (issue 7 item 5): the real `moat start`, rules added with
// `moat rule` while it runs, mail sent by nodemailer over the MX and submission listeners,
// where it ended up read over IMAP with imapflow, the trace with `moat --json trace`, the
// quarantine released with `moat audit approve`, and the dry run. Several rules share one
// message where they can, to keep the server's start-up cost to one.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import { jsonLines as cliJsonLines, runMoat } from "../support/cli.js";
import { cliInProcess, readFolder } from "../support/mail-e2e.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { tempDir } from "../support/temp.js";

const PW = "a-long-test-password-1";

describe("admin filter rules end to end", { timeout: 180_000 }, () => {
  let moat: MoatProcess;
  let data = "";
  const env: Record<string, string> = {};

  /** The real `moat` binary, as a child process (set-up, and where the exit status matters). */
  const moatCli = async (...args: string[]) => {
    const r = await runMoat(["--data", data, ...args], { env });
    assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  /** The same command run in this process (no Node start-up per call), on the running server's data folder. */
  const cli = (...args: string[]) => cliInProcess(data, args);
  const moat_ = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const jsonLines = <T>(text: string) => cliJsonLines(text) as unknown as T[];
  const mx = () => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
  const submit = (user: string) => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user, pass: PW } });

  /** Every message in the user's folder over IMAP, as source text. */
  const folder = async (user: string, name = "INBOX") => (await readFolder(moat.ports.imap!, user, PW, name)).map((m) => m.source);
  const bySubject = async (user: string, subject: RegExp, name = "INBOX") => (await folder(user, name)).filter((m) => subject.test(/^Subject: (.*)$/m.exec(m)?.[1] ?? ""));
  type Trace = { id: string; subject: string; stages: Array<{ stage: string; decision: string; reason: string; recipients?: string[]; text: string }> };
  let traces: Trace[] = [];
  const ruleEntries = async (subject: string) => {
    const [trace] = traces.filter((t) => t.subject === subject);
    assert.ok(trace, `a trace for ${subject}`);
    return trace.stages.filter((s) => s.stage === "admin_rules");
  };
  const accepted = (info: { response: string }) => assert.match(info.response, /^250 /);

  before(async () => {
    const root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    Object.assign(env, { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"), MOAT_AUTH_FAILURE_DELAY_MS: "0", MOAT_QUEUE_POLL_SECONDS: "3600" });
    await moatCli("init", "--domain", "example.com");
    await moat_("domain", "add", "partner.example");
    await moat_("domain", "set", "partner.example", "organisation=Partner Ltd");
    for (const user of ["alice@example.com", "bob@example.com", "carol@example.com", "dave@partner.example"]) await moat_("user", "add", user, "--password", PW);
    moat = await startMoat(data, env);
  });

  after(async () => {
    await moat?.stop();
  });

  it("refuses bad rules with one line and exit 2, writing nothing; warns about a spam score without a header", async () => {
    const bad = [
      ["--if", "subject likes x", "--then", "junk"],
      ["--if", "subject regex (a+)+$", "--then", "junk"],
      ["--if", "size over lots", "--then", "junk"],
      ["--if", "subject contains x", "--then", "header Bcc: x@y"],
      ["--if", "subject contains x", "--then", "explode"],
      ["--if", "subject contains x", "--then", "delete", "--then", "quarantine"],
    ];
    for (const args of bad) {
      const r = await cli("rule", "add", "example.com", "bad", ...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.equal((await moatCli("--json", "rule", "list", "example.com")).trim(), "", "the real binary lists no rule");
    const added = await moat_("rule", "add", "example.com", "junk-spam", "--match", "any", "--if", "spam-score over 5", "--if", "header:X-Mailer contains bulk", "--then", "junk");
    assert.match(added, /warning: .*no spam-score header/);
    assert.match(await moat_("rule", "spam-header", "example.com", "X-Spam-Score"), /X-Spam-Score/);
  });

  it("runs every condition and action on mail through MX and submission", async () => {
    const rule = (name: string, ...args: string[]) => moat_("rule", "add", "example.com", name, ...args);
    await rule("stop-vip", "--if", "from is vip@sender.example", "--then", "header X-VIP: yes", "--then", "stop", "--position", "1");
    await rule("del-exe", "--if", "attachment-name matches *.exe", "--then", "delete");
    await rule("bounce-invoice", "--if", "subject contains invoice", "--if", "from-domain is example.com", "--then", "bounce Send invoices to the portal, please");
    await rule("hold-pdf", "--if", "attachment-type is application/pdf", "--then", "quarantine");
    await rule("secret", "--if", "body regex ^secret\\s+code\\b", "--then", "delete");
    await rule("tag-external", "--if", "direction is inbound", "--if", "spf is none", "--then", "tag [EXT]", "--then", "header X-Rule: external");
    await rule("verdicts", "--if", "dmarc is none", "--if", "dkim not-is pass", "--if", "to is carol@example.com", "--then", "header X-Verdicts: none");
    await rule("outbound", "--if", "direction is outbound", "--if", "size over 50K", "--then", "header X-Outbound: big");
    await rule("after-stop", "--if", "from is vip@sender.example", "--then", "delete");
    const list = jsonLines<{ position: number; name: string }>(await moat_("--json", "rule", "list", "example.com"));
    assert.deepEqual(list.map((r) => r.name), ["stop-vip", "junk-spam", "del-exe", "bounce-invoice", "hold-pdf", "secret", "tag-external", "verdicts", "outbound", "after-stop"]);

    // from + header + stop: after-stop would delete it.
    accepted(await mx().sendMail({ from: "vip@sender.example", to: "alice@example.com", subject: "vip note", text: "x" }));
    // spam score + junk; tag-external runs too (no stop).
    accepted(await mx().sendMail({ from: "news@sender.example", to: "alice@example.com", subject: "spammy", text: "x", headers: { "X-Spam-Score": "9.1" } }));
    // attachment name + delete.
    accepted(await mx().sendMail({ from: "x@sender.example", to: "alice@example.com", subject: "tool", text: "x", attachments: [{ filename: "setup.exe", content: "MZ" }] }));
    // subject + from-domain + bounce, over submission.
    accepted(await submit("bob@example.com").sendMail({ from: "bob@example.com", to: "alice@example.com", subject: "invoice 12", text: "x" }));
    // attachment type + quarantine.
    const held = await mx().sendMail({ from: "x@sender.example", to: "alice@example.com", subject: "the pdf", text: "x", attachments: [{ filename: "a.pdf", content: "%PDF-1.4", contentType: "application/pdf" }] });
    accepted(held);
    // body regex + delete.
    accepted(await mx().sendMail({ from: "x@sender.example", to: "alice@example.com", subject: "codes", text: "hello\nsecret code 42\n" }));
    // to (Cc) + verdicts + direction + tag, for both local copies.
    accepted(await mx().sendMail({ from: "x@sender.example", to: "alice@example.com", cc: "carol@example.com", subject: "verdicts", text: "x" }));
    // direction outbound + size: to another organisation on this install.
    accepted(await submit("alice@example.com").sendMail({ from: "alice@example.com", to: "dave@partner.example", subject: "big report", text: "y".repeat(60_000) }));
    accepted(await submit("alice@example.com").sendMail({ from: "alice@example.com", to: "dave@partner.example", subject: "small report", text: "y" }));

    traces = jsonLines<Trace>(await moat_("--json", "trace", "--limit", "100"));
    const [vip] = await bySubject("alice@example.com", /^vip note$/);
    assert.match(vip ?? "", /^X-VIP: yes\r\n/m);
    assert.doesNotMatch(vip!, /X-Rule/, "stop: no later rule ran");
    assert.deepEqual((await ruleEntries("vip note")).map((s) => [s.reason, s.decision]), [["rule:stop-vip", "mark"]]);

    const [spam] = await bySubject("alice@example.com", /spammy/, "Junk");
    assert.match(spam ?? "", /^Subject: \[EXT\] spammy\r$/m);
    assert.equal((await bySubject("alice@example.com", /spammy/)).length, 0);
    assert.deepEqual((await ruleEntries("spammy")).map((s) => s.reason), ["rule:junk-spam", "rule:tag-external"]);

    assert.equal((await bySubject("alice@example.com", /tool/)).length + (await bySubject("alice@example.com", /tool/, "Junk")).length, 0);
    assert.deepEqual((await ruleEntries("tool")).map((s) => [s.reason, s.decision]), [["rule:del-exe", "drop"]]);
    assert.equal((await bySubject("alice@example.com", /codes/)).length, 0);
    assert.deepEqual((await ruleEntries("codes")).map((s) => [s.reason, s.decision]), [["rule:secret", "drop"]]);

    assert.equal((await bySubject("alice@example.com", /invoice 12/)).length, 0);
    const [bounce] = await bySubject("bob@example.com", /^Not delivered: invoice 12$/);
    assert.match(bounce ?? "", /Send invoices to the portal, please/);
    assert.deepEqual((await ruleEntries("invoice 12")).map((s) => [s.reason, s.decision]), [["rule:bounce-invoice", "drop"]]);

    for (const user of ["alice@example.com", "carol@example.com"]) {
      const [copy] = await bySubject(user, /verdicts/);
      assert.match(copy ?? "", /^X-Verdicts: none\r\n/m, user);
      assert.match(copy!, /^X-Rule: external\r\n/m);
      assert.match(copy!, /^Subject: \[EXT\] verdicts\r$/m);
    }

    const [big] = await bySubject("dave@partner.example", /big report/);
    assert.match(big ?? "", /^X-Outbound: big\r\n/m);
    const [small] = await bySubject("dave@partner.example", /small report/);
    assert.doesNotMatch(small ?? "missing", /X-Outbound/);

    // The quarantine: listed for the admins, released with `moat audit approve`.
    assert.equal((await bySubject("alice@example.com", /the pdf/)).length, 0);
    const queueId = /^250 .*?([A-Z0-9]{8,})/.exec(held.response)?.[1];
    const [hold] = jsonLines<{ id: string; kind: string; rule: string }>(await moat_("--json", "audit", "held")).filter((h) => h.kind === "quarantine");
    assert.ok(hold);
    assert.equal(hold.rule, "rule hold-pdf of example.com");
    if (queueId) assert.equal(hold.id, `${queueId}.Q1`);
    assert.deepEqual((await ruleEntries("the pdf")).map((s) => [s.reason, s.decision]), [["rule:hold-pdf", "hold"]]);
    assert.match(await moat_("audit", "approve", hold.id), /approved .*released as/);
    assert.equal((await bySubject("alice@example.com", /the pdf/)).length, 1);
    const audit = await moat_("--json", "audit", "list", "--limit", "50");
    assert.ok((audit.match(/domain\.flow_settings/g) ?? []).length >= 11, "every rule change is in the audit log");
  });

  it("dry-runs a disabled rule over the domain's last messages; enable, move, disable and remove it", async () => {
    await moat_("rule", "add", "example.com", "dry", "--if", "subject matches *report*", "--if", "subject contains verdicts", "--match", "any", "--then", "junk", "--disabled");
    const rows = jsonLines<{ subject: string; matched: boolean; would: string }>(await moat_("--json", "rule", "dry-run", "example.com", "dry", "--last", "50"));
    assert.ok(rows.length >= 4);
    assert.deepEqual(rows.filter((r) => r.matched).map((r) => [r.subject, r.would]), [["[EXT] verdicts", "move to Junk"]]);
    const text = await moat_("rule", "dry-run", "example.com", "dry", "--last", "2");
    assert.match(text, /of 2 messages match rule dry/);
    await moat_("rule", "move", "example.com", "dry", "--position", "1");
    await moat_("rule", "enable", "example.com", "dry");
    assert.match(await moat_("rule", "show", "example.com", "dry"), /#1, enabled/);
    accepted(await mx().sendMail({ from: "x@sender.example", to: "alice@example.com", subject: "weekly report", text: "x" }));
    assert.equal((await bySubject("alice@example.com", /weekly report/, "Junk")).length, 1);
    await moat_("rule", "disable", "example.com", "dry");
    await moat_("rule", "remove", "example.com", "dry");
    const missing = await runMoat(["--data", data, "rule", "show", "example.com", "dry"], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no rule named dry/);
  });
});
