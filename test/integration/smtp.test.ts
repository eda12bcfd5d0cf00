// SMTP end to end: the real `moat start` process, real clients (nodemailer, Python's smtplib,
// swaks), a real sink for outbound mail, and crashes by SIGKILL.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { authenticate as mailauthVerify } from "mailauth";
import nodemailer from "nodemailer";
import { startSink, type Sink } from "../core/delivery/sink.js";
import { runMoat } from "../support/cli.js";
import { folderMessages } from "../support/mailboxes.js";
import { eventually } from "../support/eventually.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { tempDir } from "../support/temp.js";
import { connectTcp, wire } from "../support/wire.js";

const run = promisify(execFile);
const ALICE_PW = "alice-password-1";

async function smtpDialog(port: number, lines: string[], finalPattern: RegExp): Promise<string> {
  const client = wire(await connectTcp(port));
  await client.until((t) => t.includes("\r\n"));
  for (const line of lines) await client.write(line);
  await client.until((t) => finalPattern.test(t));
  await client.write("QUIT\r\n");
  await client.closed;
  return client.text;
}

describe("SMTP end to end", { timeout: 60_000 }, () => {
  let moat: MoatProcess;
  let sink: Sink;
  let data = "";
  const env: Record<string, string> = {};
  const cleanups: Array<() => unknown> = [];

  before(async () => {
    const root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    // startSink registers its own clean-up on a test context; this suite runs it in after().
    sink = await startSink({ after: (fn: () => unknown) => cleanups.push(fn) } as unknown as Parameters<typeof startSink>[0]);
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    Object.assign(env, {
      MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"),
      MOAT_RELAY_ROUTES: `outside.example=127.0.0.1:${sink.port}`,
      MOAT_QUEUE_POLL_SECONDS: "1",
      MOAT_MAIL_MAX_MESSAGE_BYTES: "200000",
      MOAT_AUTH_FAILURE_DELAY_MS: "0",
    });
    assert.equal((await runMoat(["--data", data, "init", "--domain", "example.com"], { env })).code, 0);
    for (const [user, pw] of [["alice@example.com", ALICE_PW], ["bob@example.com", "bob-password-1"]] as const) {
      assert.equal((await runMoat(["--data", data, "user", "add", user, "--password", pw], { env })).code, 0);
    }
    moat = await startMoat(data, env);
  });

  after(async () => {
    await moat?.stop();
    for (const fn of cleanups) await fn();
  });

  it("accepts mail for a local user from the internet (nodemailer on the MX) and stores it with our headers", async () => {
    const mx = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
    const info = await mx.sendMail({ from: "someone@sender.example", to: "alice@example.com", subject: "From outside", text: "Hello Alice" });
    assert.match(info.response, /^250 2\.0\.0 /);
    const inbox = await folderMessages(data, "alice@example.com");
    const stored = inbox.find((m) => m.includes("Subject: From outside"));
    assert.ok(stored, "the message is in alice's INBOX");
    assert.match(stored, /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.com \(Moat\) with ESMTP id /);
    assert.match(stored, /\r\nAuthentication-Results: mx\.example\.com;/);
  });

  it("refuses relaying and unknown users (Python smtplib and swaks)", async () => {
    const script = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", ${moat.ports.smtp})
s.ehlo("client.example")
s.mail("x@sender.example")
print(s.rcpt("victim@elsewhere.example"))
print(s.rcpt("<user%elsewhere.example@example.com>"))
print(s.rcpt("nobody@example.com"))
s.quit()`;
    const { stdout } = await run("python3", ["-c", script]);
    const lines = stdout.trim().split("\n");
    assert.match(lines[0]!, /^\(554, b'5\.7\.1 Relay access denied/);
    assert.match(lines[1]!, /^\(550, b'5\.1\.1 /);
    assert.match(lines[2]!, /^\(550, b'5\.1\.1 /);
    const swaks = await run("swaks", ["--server", `127.0.0.1:${moat.ports.smtp}`, "--from", "x@sender.example", "--to", "ghost@example.com", "--quit-after", "RCPT"]).catch((e: { stdout: string }) => e);
    assert.match(swaks.stdout, /<\*\* 550 5\.1\.1 /);
  });

  it("requires authentication on submission, then refuses a sender the user does not own", async () => {
    const anonymous = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false } });
    await assert.rejects(anonymous.sendMail({ from: "alice@example.com", to: "bob@example.com", text: "x" }), /530 5\.7\.0/);
    const alice = nodemailer.createTransport({
      host: "127.0.0.1",
      port: moat.ports.submission!,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: "alice@example.com", pass: ALICE_PW },
    });
    await assert.rejects(alice.sendMail({ from: "bob@example.com", to: "bob@example.com", text: "spoof" }), /553 5\.7\.1/);
    await assert.rejects(alice.sendMail({ envelope: { from: "alice@example.com", to: "bob@example.com" }, from: "ceo@example.com", to: "bob@example.com", text: "spoof" }), /553 5\.7\.1/);
    const ok = await alice.sendMail({ from: "Alice <alice@example.com>", to: "bob@example.com", subject: "Hi Bob", text: "hello" });
    assert.match(ok.response, /^250 /);
    assert.ok((await folderMessages(data, "bob@example.com")).some((m) => m.includes("Subject: Hi Bob") && /with ESMTPSA id/.test(m)));
    const implicit = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submissions!, secure: true, tls: { rejectUnauthorized: false }, auth: { user: "alice@example.com", pass: ALICE_PW } });
    assert.match((await implicit.sendMail({ from: "alice@example.com", to: "bob@example.com", subject: "Over 465", text: "tls" })).response, /^250 /);
  });

  it("keeps a smuggled second message inside the first: exactly one message is stored", async () => {
    const before = (await folderMessages(data, "bob@example.com")).length;
    const smuggled = "From: a@sender.example\r\nSubject: outer\r\n\r\nbody\n.\r\nMAIL FROM:<x@evil.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n";
    const text = await smtpDialog(moat.ports.smtp!, ["EHLO c.example\r\n", "MAIL FROM:<a@sender.example>\r\n", "RCPT TO:<bob@example.com>\r\n", "DATA\r\n", smuggled], /250 2\.0\.0 [^\r]*\r\n/);
    assert.equal((text.match(/^250 2\.0\.0 /gm) ?? []).length, 1);
    const inbox = await folderMessages(data, "bob@example.com");
    assert.equal(inbox.length, before + 1);
    assert.ok(inbox.at(-1)!.includes("MAIL FROM:<x@evil.example>"), "the smuggled commands stayed message text");
  });

  it("refuses a message over the size limit with 552", async () => {
    const mx = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
    await assert.rejects(mx.sendMail({ from: "x@sender.example", to: "alice@example.com", text: "x".repeat(300_000) }), /552 5\.3\.4/);
  });

  it("delivers to a remote sink with a DKIM signature that verifies, retrying after the sink was down", async () => {
    const dkim = await runMoat(["--data", data, "--json", "domain", "dkim", "example.com"], { env });
    const record = JSON.parse(dkim.stdout) as { name: string; value: string };
    sink.down = true;
    const alice = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user: "alice@example.com", pass: ALICE_PW } });
    await alice.sendMail({ from: "alice@example.com", to: "partner@outside.example", subject: "Outbound", text: "to the world" });
    // The first attempt meets a down server and is deferred, with the reason kept.
    let queue = "";
    await eventually(
      async () => {
        queue = (await runMoat(["--data", data, "--json", "queue", "list"], { env })).stdout;
        const rows = queue.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { recipient: string; attempts: number; status: string });
        return rows.some((r) => r.recipient === "partner@outside.example" && r.attempts >= 1 && r.status === "queued");
      },
      () => `a deferred attempt; queue: ${queue}\nserver:\n${moat.output().slice(-3000)}`,
    );
    sink.down = false;
    const arrival = sink.next();
    assert.equal((await runMoat(["--data", data, "queue", "flush"], { env })).code, 0);
    const got = await Promise.race([
      arrival,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`nothing reached the sink; server:\n${moat.output().slice(-2500)}`)), 15_000)),
    ]);
    assert.deepEqual(got.to, ["partner@outside.example"]);
    const verified = (await mailauthVerify(got.raw, {
      ip: "127.0.0.1",
      helo: "mx.example.com",
      sender: "alice@example.com",
      resolver: async (name: string, type: string) => {
        if (type === "TXT" && name === record.name) return [[record.value.replace(/^"|"$/g, "").replace(/" "/g, "")]];
        throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
      },
    } as never)) as unknown as { dkim: { results: Array<{ status: { result: string }; signingDomain: string }> } };
    assert.equal(verified.dkim.results[0]?.status.result, "pass");
    assert.equal(verified.dkim.results[0]?.signingDomain, "example.com");
  });

  it("bounces a permanent failure to the sender's inbox (RFC 3464)", async () => {
    sink.rcptReplies.set("nosuch@outside.example", { code: 550, text: "5.1.1 No such user" });
    const alice = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user: "alice@example.com", pass: ALICE_PW } });
    await alice.sendMail({ from: "alice@example.com", to: "nosuch@outside.example", subject: "Will bounce", text: "x" });
    const dsn = await eventually(
      async () => (await folderMessages(data, "alice@example.com")).find((m) => m.includes("multipart/report") && m.includes("nosuch@outside.example")),
      () => `a bounce in alice's INBOX; server:\n${moat.output().slice(-3000)}`,
    );
    assert.match(dsn, /report-type="?delivery-status"?/i);
    assert.match(dsn, /Status: 5\.1\.1/);
  });
});

describe("SMTP durability across SIGKILL", { timeout: 90_000 }, () => {
  const send = (port: number, subject: string) =>
    nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true }).sendMail({ from: "x@sender.example", to: "alice@example.com", subject, text: "durable" });

  it("keeps a message that got 250, stores none when killed before the commit, and one when killed after it", async (t) => {
    const root = tempDir(t);
    const data = path.join(root, "data");
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    const env = { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json") };
    assert.equal((await runMoat(["--data", data, "init", "--domain", "example.com"], { env })).code, 0);
    assert.equal((await runMoat(["--data", data, "user", "add", "alice@example.com", "--password", ALICE_PW], { env })).code, 0);

    // 250, then SIGKILL at once: the message is there after a restart, exactly once.
    let moat = await startMoat(data, env);
    assert.match((await send(moat.ports.smtp!, "after-250")).response, /^250 /);
    await moat.kill();
    moat = await startMoat(data, env);
    assert.equal((await folderMessages(data, "alice@example.com")).filter((m) => m.includes("Subject: after-250")).length, 1);
    await moat.stop();

    // Killed inside the transaction, before the commit: the client never got 250, and after a
    // restart nothing of it is stored.
    moat = await startMoat(data, { ...env, MOAT_FAILPOINTS: "flow.before_commit" });
    await assert.rejects(send(moat.ports.smtp!, "before-commit"));
    await moat.exited;
    moat = await startMoat(data, env);
    assert.equal((await folderMessages(data, "alice@example.com")).filter((m) => m.includes("Subject: before-commit")).length, 0);
    // Killed after the commit but before the reply: stored once; the client saw no 250 and
    // would retry (RFC 5321 §6.1's known duplicate window), never zero copies.
    await moat.stop();
    moat = await startMoat(data, { ...env, MOAT_FAILPOINTS: "flow.after_commit" });
    await assert.rejects(send(moat.ports.smtp!, "after-commit"));
    await moat.exited;
    moat = await startMoat(data, env);
    assert.equal((await folderMessages(data, "alice@example.com")).filter((m) => m.includes("Subject: after-commit")).length, 1);
    await moat.stop();
  });
});
