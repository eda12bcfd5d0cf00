// Protocol switches and client-kind restrictions through authenticate() (issue 6, item 2), on
// SQLite and PostgreSQL: what the account decides is told only after the right password; what
// the domain decides is told to anyone, without checking a password and without revealing
// whether the account exists.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { admin, countingHasher, ctx, outcome, PASSWORD, securityCore } from "./login-security-setup.js";

forEachDialect((dialect, open) => {
  describe(`protocol switches and channels on ${dialect}`, () => {
    it("an account's IMAP switch refuses IMAP after the right password only; POP3, SMTP and web go on", async (t) => {
      const store = await open(t);
      const { security, authenticate, reasons } = await securityCore(t, store);
      await security.settings.updateAccount("alice@example.com", { imap: false }, admin);
      const right = await authenticate("imap", "alice@example.com", PASSWORD, ctx());
      assert.ok(!right.ok && right.reason === "protocol_disabled" && /turned off/.test(right.publicMessage));
      assert.equal(await outcome(authenticate("imap", "alice@example.com", "a wrong password", ctx())), "invalid_credentials");
      for (const channel of ["pop3", "smtp", "web"] as const) assert.equal(await outcome(authenticate(channel, "alice@example.com", PASSWORD, ctx())), "ok");
      assert.deepEqual(await reasons(), ["protocol_disabled", "invalid_credentials", "ok", "ok", "ok"]);
    });

    it("a domain without third-party clients refuses every IMAP/POP3/SMTP login, known or not, with no password check; web works", async (t) => {
      const store = await open(t);
      const passwords = countingHasher();
      const { security, authenticate, reasons } = await securityCore(t, store, { passwords });
      await security.settings.updateDomain("example.com", { thirdPartyClients: false }, admin);
      const before = passwords.verifies;
      for (const channel of ["imap", "pop3", "smtp"] as const) {
        assert.equal(await outcome(authenticate(channel, "alice@example.com", PASSWORD, ctx())), "protocol_disabled");
        assert.equal(await outcome(authenticate(channel, "nobody@example.com", "whatever it is", ctx())), "protocol_disabled", "an unknown account gets the same answer");
      }
      assert.equal(passwords.verifies, before, "no password was checked: no oracle over the protocols");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx())), "ok");
      assert.equal((await reasons()).filter((r) => r === "protocol_disabled").length, 6);
    });

    it("exempt accounts and exempt company ranges (IPv4 rules match IPv4-mapped clients) keep their clients", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts } = await securityCore(t, store);
      await accounts.addUser({ address: "scanner@example.com", password: PASSWORD });
      await security.settings.updateDomain("example.com", { thirdPartyClients: false, thirdPartyExemptAccounts: ["Scanner@EXAMPLE.com"], thirdPartyExemptIps: ["192.0.2.0/24", "2001:db8:10::/48"] }, admin);
      assert.equal(await outcome(authenticate("smtp", "scanner@example.com", PASSWORD, ctx())), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.2.14"))), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("::ffff:192.0.2.14"))), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:10:5::1"))), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:11::1"))), "protocol_disabled");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.3.14"))), "protocol_disabled");
    });

    it("new accounts start with the domain's default protocol switches", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts } = await securityCore(t, store);
      await security.settings.updateDomain("example.com", { newAccountProtocols: ["smtp"] }, admin);
      await accounts.addUser({ address: "new@example.com", password: PASSWORD });
      assert.deepEqual((await security.settings.effective("new@example.com")).protocols, { imap: false, pop3: false, smtp: true });
      assert.equal(await outcome(authenticate("pop3", "new@example.com", PASSWORD, ctx())), "protocol_disabled");
      assert.equal(await outcome(authenticate("smtp", "new@example.com", PASSWORD, ctx())), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx())), "ok", "an existing account keeps its switches");
    });

    it("client-kind restrictions: the account's list after the password, the domain's before it; the stricter wins", async (t) => {
      const store = await open(t);
      const { security, authenticate } = await securityCore(t, store);
      await security.settings.updateAccount("alice@example.com", { channels: ["web", "imap"] }, admin);
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", PASSWORD, ctx())), "channel_not_allowed");
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", "a wrong password", ctx())), "invalid_credentials");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx())), "ok");
      await security.settings.updateDomain("example.com", { channels: ["web", "api", "smtp", "pop3"] }, admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx())), "channel_not_allowed", "the domain closes IMAP the account allowed");
      assert.equal(await outcome(authenticate("imap", "ghost@example.com", "x-x-x-x-x", ctx())), "channel_not_allowed", "told before any password, for any name");
      assert.deepEqual((await security.settings.effective("alice@example.com")).channels, ["web"]);
    });

    it("settings are validated and canonicalised, and the audit log keeps before and after", async (t) => {
      const store = await open(t);
      const { security } = await securityCore(t, store);
      await assert.rejects(security.settings.updateDomain("example.com", { thirdPartyExemptIps: ["10.0.0.0/33"] }, admin), /thirdPartyExemptIps/);
      await assert.rejects(security.settings.updateDomain("example.com", { thirdPartyExemptAccounts: ["not an address"] }, admin), /not an address/);
      await security.settings.updateDomain("example.com", { thirdPartyClients: false }, admin);
      const [entry] = await security.audit.list({ limit: 1 });
      assert.equal(entry?.action, "domain.login_settings");
      assert.equal(entry?.target, "example.com");
      assert.equal((entry?.before as { thirdPartyClients: boolean }).thirdPartyClients, true);
      assert.equal((entry?.after as { thirdPartyClients: boolean }).thirdPartyClients, false);
      assert.equal((await security.audit.list({ limit: 10 })).length, 1, "refused changes are not recorded");
    });
  });
});
