// The external-mail warning's options for third-party clients (issue 7 item 7) end to end: the
// real `moat start`, the subject tag and banner switched on with the `moat` command, a
// multipart/alternative message with an attachment sent by nodemailer over MX, read back over
// IMAP with imapflow and parsed with mailparser.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { parseMessage } from "../../src/mail/mime/structure.js";
import { runMoat } from "../support/cli.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { tempDir } from "../support/temp.js";
import { shape } from "../mail/rewrite-support.js";

const PW = "a-long-test-password-1";
const ATTACHMENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

/** The exact bytes nodemailer would send: multipart/mixed(alternative(plain, html), pdf). */
async function compose(from: string, subject: string): Promise<Buffer> {
  const composer = new MailComposer({
    from, to: "bob@example.com", subject,
    text: "Please find the report attached.\r\nRegards", // CRLF: SMTP would change a bare LF
    html: "<html><body><p>Please find the <b>report</b> attached.</p></body></html>",
    attachments: [{ filename: "report.pdf", content: ATTACHMENT, contentType: "application/pdf" }],
  });
  return composer.compile().build();
}

describe("external-mail warning: subject tag and banner end to end", { timeout: 300_000 }, () => {
  let moat: MoatProcess;
  let data = "";
  const env: Record<string, string> = {};

  const moatCli = async (...args: string[]) => {
    const r = await runMoat(["--data", data, ...args], { env });
    assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const mx = () => nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.smtp!, secure: false, ignoreTLS: true });
  const sendRaw = async (mailFrom: string, raw: Buffer) => {
    const info = await mx().sendMail({ envelope: { from: mailFrom, to: "bob@example.com" }, raw });
    assert.match(info.response, /^250 /);
  };

  /** The stored source of bob's message whose Message-ID is `id`, over IMAP. */
  async function fetchById(id: string): Promise<Buffer> {
    const client = new ImapFlow({ host: "127.0.0.1", port: moat.ports.imap!, secure: false, auth: { user: "bob@example.com", pass: PW }, logger: false, doSTARTTLS: false });
    await client.connect();
    try {
      const lock = await client.getMailboxLock("INBOX");
      try {
        for await (const m of client.fetch("1:*", { source: true, envelope: true })) if (m.envelope?.messageId === id) return m.source!;
        throw new Error(`no message ${id}`);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  }

  const messageId = (raw: Buffer) => /^Message-ID: (<[^>]+>)/im.exec(raw.toString("latin1"))![1]!;

  /** What Moat put above the original: only header fields, and the original below byte for byte. */
  function splitStored(stored: Buffer, original: Buffer): string[] {
    const at = stored.indexOf(original);
    assert.ok(at > 0 && at + original.length === stored.length, "the original bytes end the stored message");
    return stored.toString("latin1", 0, at).split("\r\n").slice(0, -1);
  }

  before(async () => {
    const root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    Object.assign(env, { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"), MOAT_AUTH_FAILURE_DELAY_MS: "0", MOAT_QUEUE_POLL_SECONDS: "3600" });
    await moatCli("init", "--domain", "example.com");
    await moatCli("user", "add", "bob@example.com", "--password", PW);
    moat = await startMoat(data, env);
  });

  after(async () => {
    await moat?.stop();
  });

  it("the header mode alone stores the original bytes below Moat's header fields", async () => {
    await moatCli("domain", "set", "example.com", "external-warning=general");
    const original = await compose('"Mallory Q" <m@sender.example>', "header only");
    await sendRaw("m@sender.example", original);
    const added = splitStored(await fetchById(messageId(original)), original);
    assert.ok(added.includes('X-Moat-External: general; name="Mallory Q"'), added.join("\n"));
    assert.ok(added.every((line) => /^([\w-]+:|[ \t])/.test(line) && !/^subject:/i.test(line)), added.join("\n"));
  });

  it("tags the subject and tops both bodies with the banner, keeping the tree and the attachment", async () => {
    assert.match(await moatCli("domain", "set", "example.com", "external-warning=advanced", "external-warning-subject-tag=[External]", "external-warning-banner=on"), /./s);
    assert.match(await moatCli("domain", "show", "example.com"), /external-warning-subject-tag.*\[External\][\s\S]*external-warning-banner.*on/);
    const original = await compose('"Mallory Q" <m@sender.example>', "Quarterly report");
    await sendRaw("m@sender.example", original);
    const stored = await fetchById(messageId(original));

    const [before, after] = [parseMessage(original).structure, parseMessage(stored).structure];
    assert.equal(shape(after), shape(before));
    assert.equal(shape(after), "multipart/mixed(multipart/alternative(text/plain,text/html),application/pdf)");
    const pdf = (part: typeof before, raw: Buffer) => raw.subarray(part.parts![1]!.headerStart, part.parts![1]!.bodyStart + part.parts![1]!.bodyLength);
    assert.ok(pdf(after, stored).equals(pdf(before, original)), "the attachment's part keeps its bytes");

    const mail = await simpleParser(stored);
    const banner = "This message came from outside your organisation: Mallory Q <m@sender.example>. Be careful with links and attachments.";
    assert.equal(mail.subject, "[External] Quarterly report");
    assert.ok(mail.text?.startsWith(`${banner}\n\nPlease find the report attached.`), mail.text);
    assert.ok(String(mail.html).includes(`<body><div style="`) && String(mail.html).includes(`>This message came from outside your organisation: Mallory Q &lt;m@sender.example&gt;. Be careful with links and attachments.</div>`), String(mail.html));
    assert.equal(mail.attachments.length, 1);
    assert.ok(mail.attachments[0]!.content.equals(ATTACHMENT));
    assert.equal(mail.headers.get("x-moat-external") !== undefined, true);

    // A reply that already carries the tag is not tagged twice.
    const reply = await compose('"Mallory Q" <m@sender.example>', "[External] Quarterly report");
    await sendRaw("m@sender.example", reply);
    assert.equal((await simpleParser(await fetchById(messageId(reply)))).subject, "[External] Quarterly report");
  });

  it("leaves a whitelisted sender's mail untouched", async () => {
    await moatCli("domain", "set", "example.com", "external-warning-allow=sender.example");
    const original = await compose('"Mallory Q" <m@sender.example>', "From a partner");
    await sendRaw("m@sender.example", original);
    const added = splitStored(await fetchById(messageId(original)), original);
    assert.ok(!added.some((line) => /^x-moat-external:/i.test(line)), added.join("\n"));
    await moatCli("domain", "set", "example.com", "external-warning=off", "external-warning-allow=none", "external-warning-subject-tag=none", "external-warning-banner=off");
  });

  it("refuses a tag that is too long", async () => {
    const bad = await runMoat(["--data", data, "domain", "set", "example.com", `external-warning-subject-tag=${"x".repeat(41)}`], { env });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /at most 40 characters/);
  });
});
