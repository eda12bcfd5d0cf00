// Access policies with real clients, on SQLite and PostgreSQL: imapflow (IMAP), Python's poplib
// (POP3) and nodemailer (SMTP submission) against the real servers on port 0 and the real
// authenticate() with the GeoLite2 database. The servers trust 127.0.0.1 as a proxy (decision
// 0003); a small PROXY-protocol relay in front of them, like HAProxy, presents the client address
// each case needs — public IPv4 and IPv6 addresses with a country, and IPv4-mapped IPv6 — while
// ::1 connects directly. Presented addresses are not loopback, so every client upgrades with
// STARTTLS/STLS first (no plaintext AUTH off loopback). For each case the client sees the refusal
// and the record carries the reason.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import { InProcessMaildropLocks } from "../../src/core/maildrop/lock.js";
import { MaildropService } from "../../src/core/maildrop/service.js";
import { InProcessMailboxEvents } from "../../src/core/mailstore/events.js";
import { MailboxOperations } from "../../src/core/mailstore/operations.js";
import { startImapServer } from "../../src/protocols/imap/server.js";
import { startPop3Server } from "../../src/protocols/pop3/server.js";
import { startSmtpServer } from "../../src/protocols/smtp/server/server.js";
import { CidrSet } from "../../src/shared/ip.js";
import { RecordingFlow, testLimits } from "../protocols/smtp/harness.js";
import { imapLoginText, smtpLoginText } from "../support/client-logins.js";
import { selfSignedCert, type CertPair } from "../support/self-signed.js";
import { forEachDialect, type OpenTestStore } from "../support/stores.js";
import { admin, PASSWORD, securityCore, type SecurityCore } from "./login-security-setup.js";
import { proxyRelay } from "../support/proxy-relay.js";

const run = promisify(execFile);
const poplibScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "../protocols/pop3/poplib_client.py");
const geoip = createGeoLite2();
const policySentence = /access policy does not allow logins from here/;
let tls: CertPair;
before(() => {
  tls = selfSignedCert({ after });
});

interface Servers extends SecurityCore {
  readonly ports: { readonly imap: number; readonly pop3: number; readonly smtp: number };
  /** A relay on 127.0.0.1 that presents `client` to the server behind `port` with a PROXY v1 header. */
  via(t: TestContext, port: number, client: string): Promise<number>;
}

async function startServers(t: TestContext, open: OpenTestStore): Promise<Servers> {
  const core = await securityCore(t, await open(t), { geoip });
  const events = new InProcessMailboxEvents();
  const mailboxes = new MailboxOperations(core.store, core.blobs, core.clock, events);
  const common = { host: "::", port: 0, logger: pino({ level: "silent" }), closeGraceMs: 0, tls, trustedProxies: CidrSet.parse(["127.0.0.1/32"]) };
  const imap = await startImapServer({ ...common, implicitTls: false, hostname: "imap.example.com", backend: { authenticate: core.authenticate, mailboxes, events, bodies: core.store.messages } });
  t.after(() => imap.close(0));
  const pop3 = await startPop3Server({
    ...common,
    implicitTls: false,
    hostname: "pop.example.com",
    backend: { authenticate: core.authenticate, maildrops: new MaildropService(core.store, mailboxes, new InProcessMaildropLocks()) },
  });
  t.after(() => pop3.close(0));
  const smtp = await startSmtpServer({ ...common, role: "submission", hostname: "smtp.example.com", limits: testLimits, flow: new RecordingFlow(), authenticate: core.authenticate });
  t.after(() => smtp.close(0));
  return { ...core, ports: { imap: imap.port, pop3: pop3.port, smtp: smtp.port }, via: relay };
}

const relay = (t: TestContext, port: number, client: string) => proxyRelay(port, client, (fn) => t.after(fn));

const imapLogin = (port: number, host = "127.0.0.1") => imapLoginText(port, "alice@example.com", PASSWORD, host, true);
const smtpLogin = (port: number) => smtpLoginText(port, "alice@example.com", PASSWORD, "127.0.0.1", true);

async function pop3Login(port: number): Promise<string> {
  const { stdout } = await run("python3", [poplibScript, String(port), "stls", "user:alice@example.com", `pass:${PASSWORD}`, "quit"]);
  const steps = JSON.parse(stdout) as Array<string | { error: string }>;
  const pass = steps[3]!; // greeting, STLS, USER, PASS
  return typeof pass === "string" ? "ok" : pass.error;
}

async function last(s: SecurityCore): Promise<{ reason: string; ip: string }> {
  const [record] = await s.store.loginRecords.list({ limit: 1 });
  return { reason: record!.reason, ip: record!.ip };
}

forEachDialect((_dialect, open) => {
  describe("access policies with real clients", () => {
    it("an allow-list by range for everybody: office IPv4, IPv4-mapped and IPv6 clients get in; others are told the policy refused them", { timeout: 30_000 }, async (t) => {
      const s = await startServers(t, open);
      await s.security.accessPolicies.add("example.com", "office", { mode: "allow", ips: ["192.0.2.0/24", "::1"] }, admin);
      for (const client of ["192.0.2.50", "::ffff:192.0.2.51"]) {
        assert.equal(await imapLogin(await s.via(t, s.ports.imap, client)), "ok", `IMAP from ${client}`);
        assert.equal(await pop3Login(await s.via(t, s.ports.pop3, client)), "ok", `POP3 from ${client}`);
        assert.equal(await smtpLogin(await s.via(t, s.ports.smtp, client)), "ok", `SMTP from ${client}`);
        assert.deepEqual(await last(s), { reason: "ok", ip: client.replace("::ffff:", "") });
      }
      assert.equal(await imapLogin(s.ports.imap, "::1"), "ok", "IPv6 loopback, direct");

      assert.match(await imapLogin(await s.via(t, s.ports.imap, "198.51.100.7")), policySentence);
      assert.deepEqual(await last(s), { reason: "access_policy_denied", ip: "198.51.100.7" });
      assert.match(await pop3Login(await s.via(t, s.ports.pop3, "2001:db8:7::1")), /^-ERR .*access policy does not allow/);
      assert.deepEqual(await last(s), { reason: "access_policy_denied", ip: "2001:db8:7::1" });
      const smtp = await smtpLogin(await s.via(t, s.ports.smtp, "::ffff:198.51.100.8"));
      assert.match(smtp, /^535 5\.7\.8 /);
      assert.match(smtp, policySentence);
      assert.deepEqual(await last(s), { reason: "access_policy_denied", ip: "198.51.100.8" });
    });

    it("a deny-list by country on IMAP and POP3 only: JP addresses (IPv4 and IPv6) are refused there, SMTP and other countries go on", { timeout: 30_000 }, async (t) => {
      const s = await startServers(t, open);
      await s.security.accessPolicies.add("example.com", "no JP mail clients", { mode: "deny", countries: ["JP"], channels: ["imap", "pop3"] }, admin);
      for (const client of ["202.12.27.33", "2001:200::1"]) {
        assert.match(await imapLogin(await s.via(t, s.ports.imap, client)), policySentence, `IMAP from ${client}`);
        assert.equal((await last(s)).reason, "access_policy_denied");
        assert.match(await pop3Login(await s.via(t, s.ports.pop3, client)), policySentence, `POP3 from ${client}`);
        assert.equal(await smtpLogin(await s.via(t, s.ports.smtp, client)), "ok", `SMTP from ${client}`);
      }
      assert.equal(await imapLogin(await s.via(t, s.ports.imap, "193.0.0.1")), "ok", "NL");
      assert.equal(await pop3Login(await s.via(t, s.ports.pop3, "::ffff:8.8.8.8")), "ok", "US, IPv4-mapped");
    });

    it("a policy for a listed account is decided after the password: the clients hear only 'Authentication failed'", { timeout: 30_000 }, async (t) => {
      const s = await startServers(t, open);
      await s.security.accessPolicies.add("example.com", "alice in NL", { mode: "allow", countries: ["NL"], users: ["alice@example.com"] }, admin);
      const imap = await imapLogin(await s.via(t, s.ports.imap, "8.8.8.8"));
      assert.match(imap, /Authentication failed/);
      assert.doesNotMatch(imap, /policy/);
      assert.deepEqual(await last(s), { reason: "access_policy_denied", ip: "8.8.8.8" });
      assert.match(await pop3Login(await s.via(t, s.ports.pop3, "2001:4860:4860::8888")), /^-ERR .*Authentication failed/);
      assert.equal((await last(s)).reason, "access_policy_denied");
      const smtp = await smtpLogin(await s.via(t, s.ports.smtp, "8.8.4.4"));
      assert.match(smtp, /^535 5\.7\.8 Authentication failed/);
      assert.equal((await last(s)).reason, "access_policy_denied");
      assert.equal(await imapLogin(await s.via(t, s.ports.imap, "2001:67c:2e8::1")), "ok", "from NL");
    });
  });
});
