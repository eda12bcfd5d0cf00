// Issue 6 with real clients, on SQLite and PostgreSQL: imapflow against the IMAP server and
// nodemailer (and a raw SMTP transcript) against SMTP submission, both on port 0 with the real
// authenticate(). For each rule and each protocol the client sees the refusal and the login
// record carries the reason. The servers listen on "::" so a client on 127.0.0.1 arrives as
// ::ffff:127.0.0.1 (IPv4-mapped) and one on ::1 as IPv6: IP rules are tested on both forms.
import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it, type TestContext } from "node:test";
import { ImapFlow } from "imapflow";
import { pino } from "pino";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { startImapServer } from "../../src/protocols/imap/server.js";
import { startSmtpServer } from "../../src/protocols/smtp/server/server.js";
import { RecordingFlow, SmtpClient, testLimits } from "../protocols/smtp/harness.js";
import type { OpenTestStore } from "../support/stores.js";
import { forEachDialect } from "../support/stores.js";
import { admin, PASSWORD, securityCore, type SecurityCore } from "./login-security-setup.js";
import { smtpLoginText } from "../support/client-logins.js";

interface Servers extends SecurityCore {
  readonly imapPort: number;
  readonly smtpPort: number;
}

async function startServers(t: TestContext, open: OpenTestStore): Promise<Servers> {
  const core = await securityCore(t, await open(t));
  const events = new InProcessMailboxEvents();
  const mailboxes = new MailboxOperations(core.store, core.blobs, core.clock, events);
  const logger = pino({ level: "silent" });
  const imap = await startImapServer({
    implicitTls: false,
    host: "::",
    port: 0,
    hostname: "imap.example.com",
    backend: { authenticate: core.authenticate, mailboxes, events, bodies: core.store.messages },
    logger,
    closeGraceMs: 0,
  });
  t.after(() => imap.close(0));
  const smtp = await startSmtpServer({
    role: "submission",
    host: "::",
    port: 0,
    hostname: "smtp.example.com",
    limits: testLimits,
    flow: new RecordingFlow(),
    authenticate: core.authenticate,
    logger,
    closeGraceMs: 0,
  });
  t.after(() => smtp.close(0));
  return { ...core, imapPort: imap.port, smtpPort: smtp.port };
}

/** Logs in with imapflow; the client, or the server's refusal text. */
async function imapLogin(port: number, pass: string, host = "127.0.0.1"): Promise<{ client: ImapFlow } | { refused: string }> {
  const client = new ImapFlow({ host, port, secure: false, auth: { user: "alice@example.com", pass }, logger: false });
  client.on("error", () => {});
  try {
    await client.connect();
    return { client };
  } catch (err) {
    const e = err as { responseText?: string; message: string };
    return { refused: e.responseText ?? e.message };
  }
}

/** SMTP AUTH as alice (verify: EHLO, AUTH, QUIT); "ok" or the server's reply. */
const smtpLogin = (port: number, pass: string, host = "127.0.0.1") => smtpLoginText(port, "alice@example.com", pass, host);

async function lastReason(s: SecurityCore): Promise<string | undefined> {
  return (await s.store.loginRecords.list({ limit: 1 }))[0]?.reason;
}

/** Each rule, set up on a fresh server, with what the client must be told. */
const matrix: Array<{ rule: string; setup: (s: Servers) => Promise<string | void>; reason: string; text: RegExp; host?: string }> = [
  {
    rule: "client security password required, main password given",
    setup: (s) => s.security.settings.updateAccount("alice@example.com", { securityPasswordRequired: true }, admin).then(() => undefined),
    reason: "security_password_required",
    text: /client security password/,
  },
  {
    rule: "the domain forces client security passwords on everybody",
    setup: (s) => s.security.settings.updateDomain("example.com", { securityPasswords: "all" }, admin).then(() => undefined),
    reason: "security_password_required",
    text: /client security password/,
  },
  {
    rule: "the domain forbids third-party clients",
    setup: (s) => s.security.settings.updateDomain("example.com", { thirdPartyClients: false }, admin).then(() => undefined),
    reason: "protocol_disabled",
    text: /turned off/,
  },
  {
    rule: "an install-wide block of 127.0.0.0/8 (the client arrives IPv4-mapped)",
    setup: (s) => s.security.ipRules.block("127.0.0.0/8", {}, admin).then(() => undefined),
    reason: "ip_blocked",
    text: /blocked/,
  },
  {
    rule: "a domain block of ::1 (the client arrives over IPv6)",
    setup: (s) => s.security.ipRules.block("::1", { domain: "example.com" }, admin).then(() => undefined),
    reason: "ip_blocked",
    text: /blocked/,
    host: "::1",
  },
  {
    rule: "a domain allowlist that does not include the client",
    setup: (s) => s.security.ipRules.allow("10.0.0.0/8", { domain: "example.com" }, admin).then(() => undefined),
    reason: "ip_not_allowed",
    text: /Authentication failed/,
  },
];

forEachDialect((_dialect, open) => {
  describe("login security with real clients", () => {
    for (const { rule, setup, reason, text, host } of matrix) {
      it(`${rule}: imapflow and nodemailer are refused, the record says ${reason}`, async (t) => {
        const s = await startServers(t, open);
        await setup(s);
        const imap = await imapLogin(s.imapPort, PASSWORD, host);
        assert.ok("refused" in imap, "IMAP login refused");
        assert.match(imap.refused, text);
        assert.equal(await lastReason(s), reason);
        const smtp = await smtpLogin(s.smtpPort, PASSWORD, host);
        assert.match(smtp, /^535 5\.7\.8 /);
        assert.match(smtp, text);
        assert.equal(await lastReason(s), reason);
      });
    }

    it("an account's protocol switch closes IMAP only; SMTP goes on", async (t) => {
      const s = await startServers(t, open);
      await s.security.settings.updateAccount("alice@example.com", { imap: false }, admin);
      const imap = await imapLogin(s.imapPort, PASSWORD);
      assert.ok("refused" in imap);
      assert.match(imap.refused, /turned off/);
      assert.equal(await lastReason(s), "protocol_disabled");
      assert.equal(await smtpLogin(s.smtpPort, PASSWORD), "ok");
    });

    it("a client security password logs in both; limited to SMTP it is refused on IMAP like a wrong password", async (t) => {
      const s = await startServers(t, open);
      await s.security.settings.updateAccount("alice@example.com", { securityPasswordRequired: true }, admin);
      const all = await s.security.appPasswords.create("alice@example.com", "Thunderbird", [], admin);
      const imap = await imapLogin(s.imapPort, all.secret);
      assert.ok("client" in imap);
      await imap.client.logout();
      assert.equal(await smtpLogin(s.smtpPort, all.secret.toUpperCase()), "ok");
      const smtpOnly = await s.security.appPasswords.create("alice@example.com", "Scanner", ["smtp"], admin);
      const refused = await imapLogin(s.imapPort, smtpOnly.secret);
      assert.ok("refused" in refused);
      assert.match(refused.refused, /Authentication failed/);
      assert.equal(await lastReason(s), "app_password_wrong_protocol");
      assert.equal(await smtpLogin(s.smtpPort, smtpOnly.secret), "ok");
    });

    // A session that is not closed would leave `once(…, "close")` waiting: the timeout fails it.
    it("deleting a client security password closes the live IMAP and SMTP sessions it opened, at once or at the next sweep", { timeout: 20_000 }, async (t) => {
      const s = await startServers(t, open);
      const a = await s.security.appPasswords.create("alice@example.com", "Laptop", [], admin);
      const imap = await imapLogin(s.imapPort, a.secret);
      assert.ok("client" in imap);
      const other = await imapLogin(s.imapPort, PASSWORD);
      assert.ok("client" in other);
      const smtp = await SmtpClient.connect(s.smtpPort);
      await smtp.cmd("EHLO client.example", "250");
      await smtp.cmd(`AUTH PLAIN ${Buffer.from(`\0alice@example.com\0${a.secret}`).toString("base64")}`, "235");

      const closed = once(imap.client, "close");
      assert.deepEqual(await s.security.appPasswords.remove("alice@example.com", "Laptop", admin), { sessionsEnded: 2 });
      await closed;
      assert.match(await smtp.reply(), /^421 4\.7\.0 .*revoked/);
      assert.equal(other.client.usable, true, "the session of the main password goes on");
      await other.client.noop();

      // Deleted by another process (the `moat` command): the server's sweep ends the session.
      const b = await s.security.appPasswords.create("alice@example.com", "Phone", [], admin);
      const phone = await imapLogin(s.imapPort, b.secret);
      assert.ok("client" in phone);
      const phoneClosed = once(phone.client, "close");
      await s.store.appPasswords.remove(s.alice.id, "Phone");
      assert.equal(await s.security.appPasswords.sweepRevoked(), 1);
      await phoneClosed;
      await other.client.logout();
    });
  });
});
