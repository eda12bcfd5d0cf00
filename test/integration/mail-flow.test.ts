// Mail-flow policies end to end (issue 7, items 1, 2, 7 and 9): the real `moat start`, settings
// changed with the `moat` command while it runs, mail sent by nodemailer over the MX and
// submission listeners, read back over IMAP with imapflow, and the message trace.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { runMoat } from "../support/cli.js";
import { readFolder } from "../support/mail-e2e.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { tempDir } from "../support/temp.js";

const PW = "a-long-test-password-1";

describe("mail-flow policies end to end", { timeout: 300_000 }, () => {
  let moat: MoatProcess;
  let data = "";
  const env: Record<string, string> = {};

  const moatCli = async (...args: string[]) => {
    const r = await runMoat(["--data", data, ...args], { env });
    assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const mx = () => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
  const submit = (user: string) => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user, pass: PW } });

  /** Every message in the user's folder (INBOX by default) over IMAP, as source text. */
  const inbox = async (user: string, folder = "INBOX") => (await readFolder(moat.ports.imap!, user, PW, folder)).map((m) => m.source);
  const withSubject = async (user: string, subject: string) => (await inbox(user)).filter((m) => m.includes(`Subject: ${subject}\r\n`));
  const traces = async (...filters: string[]) => JSON.parse(`[${(await moatCli("--json", "trace", ...filters)).trim().split("\n").join(",")}]`) as Array<{ id: string; decision: string; recipients: string[]; subject: string; stages: Array<{ stage: string; decision: string; reason: string; recipients?: string[] }> }>;

  before(async () => {
    const root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    Object.assign(env, { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"), MOAT_AUTH_FAILURE_DELAY_MS: "0", MOAT_QUEUE_POLL_SECONDS: "3600" });
    await moatCli("init", "--domain", "example.com");
    await moatCli("domain", "add", "other.example");
    await moatCli("domain", "add", "partner.example");
    for (const user of ["alice@example.com", "bob@example.com", "erin@example.com", "carol@other.example", "dave@partner.example"]) await moatCli("user", "add", user, "--password", PW);
    await moatCli("group", "add", "team@example.com");
    await moatCli("group", "members", "add", "team@example.com", "alice@example.com", "bob@example.com", "friend@sender.example");
    await moatCli("alias", "add", "sales@example.com", "team@example.com");
    // partner.example is another company on the same install.
    await moatCli("domain", "set", "partner.example", "organisation=Partner Ltd");
    moat = await startMoat(data, env);
  });

  after(async () => {
    await moat?.stop();
  });

  it("keeps an internal-only sender inside the company: outside recipients refused at RCPT, a mixed list refused whole unless partial is allowed", async () => {
    await moatCli("user", "set", "alice@example.com", "--internal-only", "on");
    const alice = submit("alice@example.com");
    await assert.rejects(alice.sendMail({ from: "alice@example.com", to: "x@outside.example", subject: "leak", text: "x" }), (err: { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 550);
      assert.match(err.response ?? "", /5\.7\.1 .*may send only inside the company/);
      return true;
    });
    // Another of our domains in the same (unnamed) organisation is inside; another organisation is not.
    await alice.sendMail({ from: "alice@example.com", to: "carol@other.example", subject: "inside-other-domain", text: "x" });
    assert.equal((await withSubject("carol@other.example", "inside-other-domain")).length, 1);
    await assert.rejects(alice.sendMail({ from: "alice@example.com", to: "dave@partner.example", subject: "other-org", text: "x" }), /550/);

    // Mixed: bob inside, x outside. Not partial: nobody gets it.
    await assert.rejects(alice.sendMail({ from: "alice@example.com", to: ["bob@example.com", "x@outside.example"], subject: "mixed-whole", text: "x" }), /550 5\.7\.1 .*not sent to anyone/);
    assert.equal((await withSubject("bob@example.com", "mixed-whole")).length, 0);
    await moatCli("domain", "set", "example.com", "internal-only-partial=on");
    const sent = await alice.sendMail({ from: "alice@example.com", to: ["bob@example.com", "x@outside.example"], subject: "mixed-partial", text: "x" });
    assert.deepEqual(sent.rejected, ["x@outside.example"]);
    assert.equal((await withSubject("bob@example.com", "mixed-partial")).length, 1);

    const refused = await traces("--from", "alice@example.com", "--decision", "rejected");
    assert.ok(refused.some((t) => t.recipients.includes("x@outside.example") && t.stages.some((s) => s.stage === "boundary" && s.reason === "internal_only_sender")));
    assert.ok(refused.some((t) => t.subject === "mixed-whole" && t.stages.some((s) => s.stage === "boundary" && s.decision === "reject")));
    await moatCli("user", "set", "alice@example.com", "--internal-only", "default");
    await alice.sendMail({ from: "alice@example.com", to: "bob@example.com", subject: "back-to-default", text: "x" });
  });

  it("lets an internal-only recipient hear only from inside the company, also through a group", async () => {
    await moatCli("user", "set", "erin@example.com", "--internal-only", "on");
    await assert.rejects(mx().sendMail({ from: "someone@sender.example", to: "erin@example.com", subject: "from-outside", text: "x" }), /550 5\.7\.1 .*only from inside the company/);
    await submit("carol@other.example").sendMail({ from: "carol@other.example", to: "erin@example.com", subject: "from-inside", text: "x" });
    await assert.rejects(submit("dave@partner.example").sendMail({ from: "dave@partner.example", to: "erin@example.com", subject: "from-partner", text: "x" }), /550 5\.7\.1/);
    assert.equal((await withSubject("erin@example.com", "from-inside")).length, 1);
    assert.equal((await withSubject("erin@example.com", "from-outside")).length, 0);

    // Through a group that takes mail from anyone: the other members get it, erin does not.
    await moatCli("group", "members", "add", "team@example.com", "erin@example.com");
    await moatCli("group", "set", "team@example.com", "--senders", "anyone");
    const info = await mx().sendMail({ from: "someone@sender.example", to: "team@example.com", subject: "group-from-outside", text: "x" });
    assert.match(info.response, /^250 /);
    assert.equal((await withSubject("bob@example.com", "group-from-outside")).length, 1);
    assert.equal((await withSubject("erin@example.com", "group-from-outside")).length, 0);
    const [trace] = await traces("--subject", "group-from-outside");
    assert.ok(trace?.stages.some((s) => s.stage === "boundary" && s.decision === "drop" && s.recipients?.includes("erin@example.com")));
    await moatCli("group", "members", "remove", "team@example.com", "erin@example.com");
  });

  it("decides who may send to a group, in every sender mode, also through an alias", async () => {
    const outsider = () => mx().sendMail({ from: "someone@sender.example", to: "team@example.com", subject: "g", text: "x" });
    const viaAlias = () => mx().sendMail({ from: "someone@sender.example", to: "sales@example.com", subject: "g", text: "x" });
    const carol = () => submit("carol@other.example").sendMail({ from: "carol@other.example", to: "team@example.com", subject: "g", text: "x" });
    const dave = () => submit("dave@partner.example").sendMail({ from: "dave@partner.example", to: "team@example.com", subject: "g", text: "x" });
    const bob = () => submit("bob@example.com").sendMail({ from: "bob@example.com", to: "team@example.com", subject: "g", text: "x" });
    const friend = () => mx().sendMail({ from: "friend@sender.example", to: "team@example.com", subject: "g", text: "x" });
    const refused = /550 5\.7\.1 .*not allowed to send to the group/;

    await moatCli("group", "set", "team@example.com", "--senders", "same-domain");
    await assert.rejects(outsider(), refused);
    await assert.rejects(viaAlias(), refused);
    await assert.rejects(carol(), refused);
    assert.match((await bob()).response, /^250 /);

    await moatCli("group", "set", "team@example.com", "--senders", "company");
    assert.match((await carol()).response, /^250 /);
    await assert.rejects(dave(), refused);
    await assert.rejects(outsider(), refused);

    await moatCli("group", "set", "team@example.com", "--senders", "members");
    assert.match((await bob()).response, /^250 /);
    assert.match((await friend()).response, /^250 /); // an outside member, by its envelope address
    await assert.rejects(carol(), refused);

    const file = path.join(path.dirname(data), "allow.txt");
    fs.writeFileSync(file, "# partners\nsender.example\ncarol@other.example\n");
    await moatCli("group", "set", "team@example.com", "--senders", "allowlist", "--allow-file", file);
    assert.match((await outsider()).response, /^250 /);
    assert.match((await carol()).response, /^250 /);
    await assert.rejects(bob(), refused);
    await moatCli("group", "set", "team@example.com", "--senders", "members+allowlist", "--allow", "none");
    assert.match((await bob()).response, /^250 /);
    await assert.rejects(carol(), refused);

    await moatCli("group", "set", "team@example.com", "--senders", "anyone");
    assert.match((await outsider()).response, /^250 /);
    assert.match((await viaAlias()).response, /^250 /);
    const shown = JSON.parse(await moatCli("--json", "group", "show", "team@example.com")) as { settings: { senders: string } };
    assert.equal(shown.settings.senders, "anyone");
    const bad = await runMoat(["--data", data, "group", "set", "team@example.com", "--senders", "everybody"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected same-domain\|company/);
  });

  it("marks mail from outside the company with a header, per the recipient domain's mode and allow-list, and removes a forged one", async () => {
    const send = (from: string, subject: string, extra: Record<string, string> = {}) => mx().sendMail({ from, to: "bob@example.com", subject, text: "x", headers: extra });
    await send('"Mallory Q" <m@sender.example>', "warn-off");
    await moatCli("domain", "set", "example.com", "external-warning=general");
    await send('"Mallory Q" <m@sender.example>', "warn-general", { "X-Moat-External": "off; forged" });
    await moatCli("domain", "set", "example.com", "external-warning=advanced");
    await send('"Zoë Outsider" <zoe@sender.example>', "warn-advanced");
    await submit("dave@partner.example").sendMail({ from: "dave@partner.example", to: "bob@example.com", subject: "warn-other-org", text: "x" });
    await submit("carol@other.example").sendMail({ from: "carol@other.example", to: "bob@example.com", subject: "warn-same-company", text: "x" });
    await moatCli("domain", "set", "example.com", "external-warning-allow=sender.example");
    await send('"Mallory Q" <m@sender.example>', "warn-allowed");
    // The allow-list vouches only when the From domain is listed too.
    await mx().sendMail({ envelope: { from: "m@sender.example", to: "bob@example.com" }, from: "ceo@bank.example", to: "bob@example.com", subject: "warn-forged-from", text: "x" });

    const header = async (subject: string) => {
      const [m] = await withSubject("bob@example.com", subject);
      assert.ok(m, subject);
      return m.split("\r\n\r\n")[0]!.split("\r\n").filter((l) => /^x-moat-external:/i.test(l));
    };
    assert.deepEqual(await header("warn-off"), []);
    assert.deepEqual(await header("warn-general"), ['X-Moat-External: general; name="Mallory Q"']);
    assert.deepEqual(await header("warn-advanced"), ["X-Moat-External: advanced; name*=utf-8''Zo%C3%AB%20Outsider; address=\"zoe@sender.example\""]);
    assert.deepEqual(await header("warn-other-org"), ['X-Moat-External: advanced; name="dave@partner.example"; address="dave@partner.example"']);
    assert.deepEqual(await header("warn-same-company"), []);
    assert.deepEqual(await header("warn-allowed"), []);
    assert.equal((await header("warn-forged-from")).length, 1);
    const [trace] = await traces("--subject", "warn-advanced");
    assert.ok(trace?.stages.some((s) => s.stage === "external_warning" && s.decision === "mark"));
    await moatCli("domain", "set", "example.com", "external-warning=off", "external-warning-allow=none");
  });

  it("holds mail for a group's moderator and an account's auditor, decided with the moat command", async () => {
    await moatCli("group", "set", "team@example.com", "--senders", "anyone", "--moderators", "carol@other.example");
    const info = await mx().sendMail({ from: "someone@sender.example", to: "team@example.com", subject: "needs-moderation", text: "please approve" });
    assert.match(info.response, /^250 /);
    assert.equal((await withSubject("alice@example.com", "needs-moderation")).length, 0);
    assert.equal((await withSubject("carol@other.example", "Approval needed: needs-moderation")).length, 1);
    const [hold] = JSON.parse(`[${(await moatCli("--json", "audit", "held", "--decider", "carol@other.example")).trim().split("\n").join(",")}]`) as Array<{ id: string; subject: string }>;
    assert.equal(hold?.subject, "needs-moderation");
    const notDecider = await runMoat(["--data", data, "audit", "approve", hold.id, "--as", "bob@example.com"], { env });
    assert.notEqual(notDecider.code, 0);
    assert.match(await moatCli("audit", "approve", hold.id, "--as", "carol@other.example"), /approved .*released as/);
    assert.equal((await withSubject("alice@example.com", "needs-moderation")).length, 1);
    assert.equal((await withSubject("bob@example.com", "needs-moderation")).length, 1);
    await moatCli("group", "set", "team@example.com", "--moderators", "none");

    await moatCli("audit", "add", "dave@partner.example", "--auditor", "dave@partner.example");
    await moatCli("user", "add", "boss@partner.example", "--password", PW);
    await moatCli("audit", "add", "dave@partner.example", "--auditor", "boss@partner.example");
    assert.match(await moatCli("audit", "rules", "partner.example"), /dave@partner\.example\s+boss@partner\.example/);
    await submit("dave@partner.example").sendMail({ from: "dave@partner.example", to: "carol@other.example", subject: "needs-audit", text: "x" });
    assert.equal((await withSubject("carol@other.example", "needs-audit")).length, 0);
    const [audited] = JSON.parse(`[${(await moatCli("--json", "audit", "held", "--decider", "boss@partner.example")).trim().split("\n").join(",")}]`) as Array<{ id: string }>;
    assert.ok(audited);
    await moatCli("audit", "reject", audited.id, "--reason", "Not to competitors", "--as", "boss@partner.example");
    const [notice] = await withSubject("dave@partner.example", "Not delivered: needs-audit");
    assert.match(notice ?? "", /Not to competitors/);
    assert.equal((await withSubject("carol@other.example", "needs-audit")).length, 0);
    await moatCli("audit", "remove", "dave@partner.example");
  });

  it("copies a monitored account's mail into the supervisor's folder, unseen by the account", async () => {
    await moatCli("monitor", "add", "bob@example.com", "--supervisor", "carol@other.example", "--name", "bob-watch", "--direction", "received");
    await mx().sendMail({ from: "someone@sender.example", to: "bob@example.com", subject: "monitored-in", text: "x" });
    await submit("bob@example.com").sendMail({ from: "bob@example.com", to: "alice@example.com", subject: "monitored-out", text: "x" });
    const copies = await inbox("carol@other.example", "Monitoring/bob-watch");
    assert.equal(copies.length, 1);
    assert.match(copies[0]!, /^X-Moat-Monitor: rule="bob-watch"; direction=received; account="bob@example\.com"\r\n/);
    assert.match(copies[0]!, /Subject: monitored-in/);
    const [original] = await withSubject("bob@example.com", "monitored-in");
    assert.ok(original && !original.includes("X-Moat-Monitor"), "the monitored account's copy says nothing");
    assert.match(await moatCli("monitor", "list", "example.com"), /bob-watch\s+bob@example\.com\s+carol@other\.example/);
    await moatCli("monitor", "end", "example.com", "bob-watch");
    await mx().sendMail({ from: "someone@sender.example", to: "bob@example.com", subject: "after-monitor-end", text: "x" });
    assert.equal((await inbox("carol@other.example", "Monitoring/bob-watch")).length, 1);
  });

  it("recalls a sent message from internal recipients (read ones stay) and purges every copy of a phishing mail", async () => {
    await submit("bob@example.com").sendMail({ from: "bob@example.com", to: ["alice@example.com", "carol@other.example", "x@outside.example"], subject: "to-recall", text: "x", messageId: "<recall-me@example.com>" });
    // alice reads hers over IMAP.
    const client = new ImapFlow({ host: "127.0.0.1", port: moat.ports.imap!, secure: false, auth: { user: "alice@example.com", pass: PW }, logger: false, doSTARTTLS: false });
    await client.connect();
    const lock = await client.getMailboxLock("INBOX");
    const uids = (await client.search({ header: { "message-id": "recall-me@example.com" } }, { uid: true })) || [];
    assert.equal(uids.length, 1);
    await client.messageFlagsAdd(uids, ["\\Seen"], { uid: true });
    lock.release();
    await client.logout();

    const report = JSON.parse(`[${(await moatCli("--json", "recall", "bob@example.com", "recall-me@example.com")).trim().split("\n").join(",")}]`) as Array<{ recipient: string; outcome: string }>;
    assert.deepEqual(Object.fromEntries(report.map((r) => [r.recipient, r.outcome])), { "x@outside.example": "external", "alice@example.com": "already_read", "carol@other.example": "withdrawn" });
    assert.equal((await withSubject("carol@other.example", "to-recall")).length, 0);
    assert.equal((await withSubject("alice@example.com", "to-recall")).length, 1);

    for (const to of ["alice@example.com", "bob@example.com"]) await mx().sendMail({ from: "CEO <ceo@evil.example>", to, subject: "Wire transfer now", text: "x" });
    assert.match(await moatCli("purge", "example.com", "--from", "ceo@evil.example", "--dry-run"), /found/);
    assert.equal((await withSubject("bob@example.com", "Wire transfer now")).length, 1);
    const purged = await moatCli("--json", "purge", "example.com", "--from", "ceo@evil.example");
    assert.equal(purged.trim().split("\n").length, 2);
    assert.equal((await withSubject("alice@example.com", "Wire transfer now")).length, 0);
    assert.equal((await withSubject("bob@example.com", "Wire transfer now")).length, 0);
  });

  it("traces every accepted message with its stages, found by sender, recipient, subject and message id", async () => {
    const info = await submit("bob@example.com").sendMail({ from: "bob@example.com", to: ["alice@example.com", "carol@other.example"], subject: "Traced ✓", text: "x", messageId: "<trace-me@example.com>" });
    const id = /^250 2\.0\.0 Ok: queued as (\S+)/.exec(info.response)?.[1];
    assert.ok(id, info.response);
    const byId = await traces("--message-id", "trace-me@example.com");
    assert.equal(byId.length, 1);
    assert.equal(byId[0]!.id, id);
    assert.equal(byId[0]!.subject, "Traced ✓");
    assert.equal(byId[0]!.decision, "accepted");
    assert.deepEqual(byId[0]!.stages.find((s) => s.stage === "delivery")?.recipients, ["alice@example.com", "carol@other.example"]);
    assert.equal((await traces("--to", "carol@other.example", "--subject", "traced")).length, 1);
    const shown = await moatCli("trace", "show", id);
    assert.match(shown, /delivery: deliver \[alice@example\.com, carol@other\.example\]/);
    const missing = await runMoat(["--data", data, "trace", "show", "nope"], { env });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no message trace/);
    const audit = await moatCli("--json", "audit", "list", "--limit", "200");
    assert.match(audit, /group\.flow_settings/);
    assert.match(audit, /domain\.flow_settings/);
    assert.match(audit, /user\.flow_settings/);
  });
});
