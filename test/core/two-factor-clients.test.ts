// An account with two-factor login never takes its main password over IMAP or SMTP (decision
// 0013, as large providers do): real imapflow and nodemailer clients against the IMAP server
// and SMTP submission on port 0, with the real authenticate(); a client security password
// still works, and the login record says why the password was refused. SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { pino } from "pino";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { startImapServer } from "../../src/protocols/imap/server.js";
import { startSmtpServer } from "../../src/protocols/smtp/server/server.js";
import { RecordingFlow, testLimits } from "../protocols/smtp/harness.js";
import { imapLoginText, smtpLoginText } from "../support/client-logins.js";
import { forEachDialect, type OpenTestStore } from "../support/stores.js";
import { admin, PASSWORD, securityCore, type SecurityCore } from "./login-security-setup.js";
import { enrolTotp } from "./two-factor-setup.js";

async function servers(t: TestContext, open: OpenTestStore): Promise<SecurityCore & { imapPort: number; smtpPort: number }> {
  const core = await securityCore(t, await open(t));
  const logger = pino({ level: "silent" });
  const mailboxes = new MailboxOperations(core.store, core.blobs, core.clock, new InProcessMailboxEvents());
  const imap = await startImapServer({
    implicitTls: false,
    host: "127.0.0.1",
    port: 0,
    hostname: "imap.example.com",
    backend: { authenticate: core.authenticate, mailboxes, events: new InProcessMailboxEvents(), bodies: core.store.messages },
    logger,
    closeGraceMs: 0,
  });
  t.after(() => imap.close(0));
  const smtp = await startSmtpServer({ role: "submission", host: "127.0.0.1", port: 0, hostname: "smtp.example.com", limits: testLimits, flow: new RecordingFlow(), authenticate: core.authenticate, logger, closeGraceMs: 0 });
  t.after(() => smtp.close(0));
  return { ...core, imapPort: imap.port, smtpPort: smtp.port };
}

const imapLogin = (port: number, pass: string) => imapLoginText(port, "alice@example.com", pass);
const smtpLogin = (port: number, pass: string) => smtpLoginText(port, "alice@example.com", pass);

forEachDialect((dialect, open) => {
  describe(`two-factor accounts and email clients on ${dialect}`, () => {
    it("imapflow and nodemailer: the main password is refused once TOTP is on; a client security password logs in", async (t) => {
      const s = await servers(t, open);
      assert.equal(await imapLogin(s.imapPort, PASSWORD), "ok", "before two-factor login");
      await enrolTotp(s);
      assert.match(await imapLogin(s.imapPort, PASSWORD), /client security password/);
      assert.equal((await s.store.loginRecords.list({ limit: 1 }))[0]?.reason, "security_password_required");
      assert.match(await smtpLogin(s.smtpPort, PASSWORD), /client security password/);
      assert.equal((await s.store.loginRecords.list({ limit: 1 }))[0]?.reason, "security_password_required");

      const { secret } = await s.security.appPasswords.create("alice@example.com", "Thunderbird", [], admin);
      assert.equal(await imapLogin(s.imapPort, secret), "ok");
      assert.equal(await smtpLogin(s.smtpPort, secret), "ok");
      assert.deepEqual((await s.store.loginRecords.list({ limit: 2 })).map((r) => r.reason), ["ok", "ok"]);

      await s.security.twoFactor.resetAll("alice@example.com", admin);
      assert.equal(await imapLogin(s.imapPort, PASSWORD), "ok", "after an admin's reset the main password works again");
    });
  });
});
