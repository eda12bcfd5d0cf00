// Access policies through authenticate() (issue 6 item 4, decision 0015), on SQLite and
// PostgreSQL, with the real GeoLite2 database for countries: allow-lists and deny-lists by IPv4,
// IPv6 and IPv4-mapped IPv6 ranges, by country and by channel; every account vs listed accounts
// and groups' members vs exceptions; what is decided before the password (its own sentence, no
// password checked) and what after (answered and counted exactly like a wrong password).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import { forEachDialect } from "../support/stores.js";
import { totpCode } from "../../src/core/auth/two-factor/totp.js";
import { admin, countingHasher, ctx, outcome, PASSWORD, securityCore } from "./login-security-setup.js";
import { enrolTotp, firstStep, records, secondStep, web } from "./two-factor-setup.js";

const geoip = createGeoLite2();
const policySentence = /access policy does not allow logins from here/;

forEachDialect((dialect, open) => {
  describe(`access policies on ${dialect}`, () => {
    it("an allow-list for every account refuses outside its IPv4/IPv6 ranges before any password check, alike for every name", async (t) => {
      const passwords = countingHasher();
      const { security, authenticate, accounts, store } = await securityCore(t, await open(t), { passwords, geoip });
      await accounts.addDomain("example.org");
      await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
      await security.accessPolicies.add("example.com", "office only", { mode: "allow", ips: ["192.0.2.0/24", "2001:DB8:1::/48"] }, admin);
      const before = passwords.verifies;
      for (const [name, secret] of [["alice@example.com", PASSWORD], ["alice@example.com", "wrong"], ["nobody@example.com", "whatever"]] as const) {
        const r = await authenticate("imap", name, secret, ctx("198.51.100.1"));
        assert.ok(!r.ok && r.reason === "access_policy_denied" && policySentence.test(r.publicMessage), `${name}: refused with the policy's sentence`);
      }
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("2001:db8:2::1"))), "access_policy_denied");
      assert.equal(passwords.verifies, before, "no password was checked");
      const [record] = await store.loginRecords.list({ limit: 1 });
      assert.match(record!.method, /\[access policy "office only"\]$/, "the record names the policy");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("::ffff:192.0.2.9"))), "ok", "IPv4-mapped client inside an IPv4 range");
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", PASSWORD, ctx("2001:db8:1:ff::5"))), "ok");
      assert.equal(await outcome(authenticate("imap", "olga@example.org", PASSWORD, ctx("198.51.100.1"))), "ok", "another domain is not governed");
    });

    it("a deny-list by IPv4-mapped range and by country; IPv4-mapped clients are placed as IPv4", async (t) => {
      const { security, authenticate } = await securityCore(t, await open(t), { geoip });
      await security.accessPolicies.add("example.com", "no RU JP", { mode: "deny", countries: ["ru", "JP"], ips: ["::ffff:203.0.113.0/120"] }, admin);
      for (const ip of ["77.88.55.88", "::ffff:202.12.27.33", "2001:200::1", "203.0.113.77"]) {
        assert.equal(await outcome(authenticate("smtp", "alice@example.com", PASSWORD, ctx(ip))), "access_policy_denied", ip);
      }
      for (const ip of ["8.8.8.8", "::ffff:193.0.0.1", "10.0.0.1", "::1"]) {
        assert.equal(await outcome(authenticate("smtp", "alice@example.com", PASSWORD, ctx(ip))), "ok", ip);
      }
    });

    it("an allow-list by country admits that country; private and unplaced addresses only through a listed range", async (t) => {
      const { security, authenticate } = await securityCore(t, await open(t), { geoip });
      await security.accessPolicies.add("example.com", "NL and LAN", { mode: "allow", countries: ["NL"], ips: ["10.0.0.0/8"] }, admin);
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("193.0.0.1"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("2001:67c:2e8::1"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("10.20.30.40"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("8.8.8.8"))), "access_policy_denied");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("192.168.1.1"))), "access_policy_denied", "a private address has no country");
    });

    it("by channel: IMAP only from the office while web, API and SMTP work from anywhere; a deny-list of a channel alone", async (t) => {
      const { security, authenticate, accounts } = await securityCore(t, await open(t), { geoip });
      await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await security.accessPolicies.add("example.com", "imap in office", { mode: "allow", ips: ["192.0.2.0/24"], channels: ["imap"] }, admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("198.51.100.1"))), "access_policy_denied");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.2.1"))), "ok");
      for (const channel of ["web", "api", "smtp", "pop3"] as const) {
        assert.equal(await outcome(authenticate(channel, "alice@example.com", PASSWORD, ctx("198.51.100.1"))), "ok", channel);
      }
      await security.accessPolicies.add("example.com", "no pop3 for bob", { mode: "deny", channels: ["pop3"], users: ["bob@example.com"] }, admin);
      assert.equal(await outcome(authenticate("pop3", "bob@example.com", PASSWORD, ctx("192.0.2.1"))), "access_policy_denied");
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", PASSWORD, ctx("192.0.2.1"))), "ok");
    });

    it("listed accounts and groups' members are decided after the password and answered, counted and delayed like a wrong one; exceptions pass", async (t) => {
      const passwords = countingHasher();
      const { security, authenticate, accounts, clock } = await securityCore(t, await open(t), { passwords, geoip, throttle: { failureDelayMs: 2000, maxFailureDelayMs: 15_000 } });
      for (const name of ["bob", "carol", "dave"]) await accounts.addUser({ address: `${name}@example.com`, password: PASSWORD });
      await accounts.addGroup("sales@example.com");
      await accounts.addMembers("sales@example.com", ["carol@example.com", "dave@example.com"]);
      await security.accessPolicies.add("example.com", "sales from NL", { mode: "allow", countries: ["NL"], users: ["bob@example.com"], groups: ["sales@example.com"], except: ["carol@example.com"] }, admin);

      const before = passwords.verifies;
      const right = await authenticate("imap", "bob@example.com", PASSWORD, ctx("8.8.8.8"));
      const wrong = await authenticate("imap", "bob@example.com", "a wrong password", ctx("8.8.4.4"));
      assert.ok(!right.ok && !wrong.ok);
      assert.deepEqual([right.reason, wrong.reason], ["access_policy_denied", "invalid_credentials"]);
      assert.deepEqual([right.publicMessage, right.temporary], [wrong.publicMessage, wrong.temporary], "no oracle that the password was right");
      assert.deepEqual(clock.sleeps, [2000, 2000], "the same delay for both");
      assert.equal(passwords.verifies, before + 2, "decided after the password");
      assert.equal(await outcome(authenticate("web", "dave@example.com", PASSWORD, ctx("8.8.8.8"))), "access_policy_denied", "a member of a listed group");
      assert.equal(await outcome(authenticate("web", "carol@example.com", PASSWORD, ctx("8.8.8.8"))), "ok", "an exception, though a member");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("8.8.8.8"))), "ok", "not listed");
      assert.equal(await outcome(authenticate("web", "nobody@example.com", PASSWORD, ctx("8.8.8.8"))), "unknown_account", "an unknown name is not told apart");
      assert.equal(await outcome(authenticate("web", "dave@example.com", PASSWORD, ctx("193.0.0.1"))), "ok");
    });

    it("a policy for everybody with exceptions is decided after the password, so the exception list is no oracle either", async (t) => {
      const passwords = countingHasher();
      const { security, authenticate, accounts } = await securityCore(t, await open(t), { passwords, geoip });
      await accounts.addUser({ address: "svc@example.com", password: PASSWORD });
      await security.accessPolicies.add("example.com", "office", { mode: "allow", ips: ["192.0.2.0/24"], except: ["svc@example.com"] }, admin);
      const before = passwords.verifies;
      const refused = await authenticate("imap", "alice@example.com", PASSWORD, ctx("198.51.100.1"));
      assert.ok(!refused.ok && refused.reason === "access_policy_denied" && refused.publicMessage === "Authentication failed");
      assert.equal(passwords.verifies, before + 1);
      assert.equal(await outcome(authenticate("imap", "nobody@example.com", PASSWORD, ctx("198.51.100.1"))), "unknown_account");
      assert.equal(await outcome(authenticate("imap", "svc@example.com", PASSWORD, ctx("198.51.100.1"))), "ok");
    });

    it("every enabled policy must allow; a disabled or removed one decides nothing", async (t) => {
      const { security, authenticate, store } = await securityCore(t, await open(t), { geoip });
      await security.accessPolicies.add("example.com", "offices", { mode: "allow", ips: ["192.0.2.0/24", "198.51.100.0/24"] }, admin);
      await security.accessPolicies.add("example.com", "not branch", { mode: "deny", ips: ["198.51.100.0/24"] }, admin);
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("192.0.2.5"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("198.51.100.5"))), "access_policy_denied");
      assert.match((await store.loginRecords.list({ limit: 1 }))[0]!.method, /"not branch"/);
      await security.accessPolicies.setEnabled("example.com", "not branch", false, admin);
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("198.51.100.5"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("203.0.113.5"))), "access_policy_denied");
      await security.accessPolicies.remove("example.com", "offices", admin);
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("203.0.113.5"))), "ok");
    });

    it("with two-factor login: a refused place never gets to the second factor, and the second step is checked again", async (t) => {
      const core = await securityCore(t, await open(t), { geoip });
      const { secret } = await enrolTotp(core);
      await core.security.accessPolicies.add("example.com", "alice at the office", { mode: "allow", ips: ["192.0.2.0/24"], users: ["alice@example.com"] }, admin);
      const outside = await core.authenticate("web", "alice@example.com", PASSWORD, web({}, "198.51.100.7"));
      assert.ok(!outside.ok && outside.reason === "access_policy_denied" && outside.publicMessage === "Authentication failed" && outside.pending === undefined);
      const pending = await firstStep(core, web({}, "192.0.2.7"));
      await core.security.accessPolicies.add("example.com", "not that desk", { mode: "deny", ips: ["192.0.2.7"], users: ["alice@example.com"] }, admin);
      const second = await secondStep(core, pending.ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) }, web({}, "192.0.2.7"));
      assert.ok(!second.ok && second.reason === "access_policy_denied");
      assert.deepEqual((await records(core, 1))[0], ["access_policy_denied", 'web password [access policy "not that desk"]']);
    });

    it("policies survive a restart of the store", async (t) => {
      const first = await securityCore(t, await open(t, "restart"), { geoip });
      await first.security.accessPolicies.add("example.com", "no JP", { mode: "deny", countries: ["JP"], channels: ["imap", "smtp"] }, admin);
      await first.store.close();
      const second = await securityCore(t, await open(t, "restart"), { geoip });
      assert.equal(await outcome(second.authenticate("imap", "alice@example.com", PASSWORD, ctx("202.12.27.33"))), "access_policy_denied");
      assert.equal(await outcome(second.authenticate("web", "alice@example.com", PASSWORD, ctx("202.12.27.33"))), "ok");
      const [listed] = await second.security.accessPolicies.list("example.com");
      assert.deepEqual([listed?.name, listed?.mode, listed?.countries, listed?.channels, listed?.enabled], ["no JP", "deny", ["JP"], ["imap", "smtp"], true]);
    });
  });
});
