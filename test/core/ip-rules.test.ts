// IP rules through authenticate() (issue 6, item 4), on SQLite and PostgreSQL: blocklists before
// any password check, allowlists per domain, account and channel, IPv6 and IPv4-mapped IPv6, and
// the automatic block of an address failing across accounts, its expiry and its survival of a restart.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { admin, countingHasher, ctx, outcome, PASSWORD, securityCore } from "./login-security-setup.js";

const hour = 3_600_000;

forEachDialect((dialect, open) => {
  describe(`IP rules on ${dialect}`, () => {
    it("an install-wide block refuses before any password check, and matches IPv4-mapped IPv6 clients", async (t) => {
      const store = await open(t);
      const passwords = countingHasher();
      const { security, authenticate, reasons } = await securityCore(t, store, { passwords });
      await security.ipRules.block("203.0.113.0/24", { note: "scanner" }, admin);
      const before = passwords.verifies;
      const result = await authenticate("web", "alice@example.com", PASSWORD, ctx("203.0.113.50"));
      assert.ok(!result.ok && result.reason === "ip_blocked" && /blocked/.test(result.publicMessage));
      assert.equal(await outcome(authenticate("imap", "nobody@example.com", "whatever", ctx("::ffff:203.0.113.9"))), "ip_blocked");
      assert.equal(passwords.verifies, before, "no password checked for a blocked address");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("203.0.114.1"))), "ok");
      assert.deepEqual(await reasons(), ["ip_blocked", "ip_blocked", "ok"]);
    });

    it("IPv6 blocks match their prefix; a domain block applies to that domain only; an expiry lifts it", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts, clock } = await securityCore(t, store);
      await accounts.addDomain("example.org");
      await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
      await security.ipRules.block("2001:DB8:0:AB00::/56", { domain: "example.com", expiresInMs: 2 * hour }, admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:0:abcd::1"))), "ip_blocked");
      assert.equal(await outcome(authenticate("imap", "olga@example.org", PASSWORD, ctx("2001:db8:0:abcd::1"))), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:0:ac00::1"))), "ok");
      assert.deepEqual((await security.ipRules.list()).map((r) => [r.action, r.cidr, r.domain]), [["block", "2001:db8:0:ab00::/56", "example.com"]]);
      clock.advance(2 * hour);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:0:abcd::1"))), "ok");
      assert.deepEqual(await security.ipRules.list(), []);
    });

    it("a domain allowlist per channel: IMAP only from the office, web from anywhere; refused like a wrong password", async (t) => {
      const store = await open(t);
      const { security, authenticate } = await securityCore(t, store);
      await security.ipRules.allow("192.0.2.0/24", { domain: "example.com", channel: "imap" }, admin);
      await security.ipRules.allow("2001:db8:1::/48", { domain: "example.com", channel: "imap" }, admin);
      const outside = await authenticate("imap", "alice@example.com", PASSWORD, ctx("198.51.100.1"));
      assert.ok(!outside.ok && outside.reason === "ip_not_allowed" && outside.publicMessage === "Authentication failed", "no oracle that the password was right");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("::ffff:192.0.2.77"))), "ok");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:1:2::3"))), "ok");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("198.51.100.1"))), "ok");
      assert.equal(await outcome(authenticate("smtp", "alice@example.com", PASSWORD, ctx("198.51.100.1"))), "ok");
    });

    it("an account allowlist is checked after the password and answers exactly like a wrong one, delay included", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts, clock } = await securityCore(t, store, { throttle: { failureDelayMs: 2000, maxFailureDelayMs: 15_000 } });
      await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await security.ipRules.allow("10.1.0.0/16", { domain: "example.com", user: "alice@example.com" }, admin);
      const right = await authenticate("pop3", "alice@example.com", PASSWORD, ctx("10.2.0.1"));
      const wrong = await authenticate("pop3", "alice@example.com", "a wrong password", ctx("10.9.0.1"));
      assert.ok(!right.ok && !wrong.ok);
      assert.deepEqual([right.reason, wrong.reason], ["ip_not_allowed", "invalid_credentials"]);
      assert.deepEqual([right.publicMessage, right.temporary], [wrong.publicMessage, wrong.temporary]);
      assert.deepEqual(clock.sleeps, [2000, 2000], "the same delay for both");
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", PASSWORD, ctx("10.1.3.4"))), "ok");
      assert.equal(await outcome(authenticate("pop3", "bob@example.com", PASSWORD, ctx("10.2.0.1"))), "ok", "other accounts are not limited");
      await assert.rejects(security.ipRules.allow("10.0.0.0/8", { domain: "example.com", user: "nobody@example.com" }, admin), /no user/);
      assert.equal(await security.ipRules.disallow("10.1.0.0/16", { domain: "example.com", user: "alice@example.com" }, admin), 1);
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", PASSWORD, ctx("10.2.0.1"))), "ok");
    });

    it("blocks an address failing across accounts automatically, lists it, lets an admin lift it, and lifts it at expiry", async (t) => {
      const store = await open(t);
      const { security, authenticate, clock } = await securityCore(t, store, { ipBlock: { afterFailures: 5, windowMs: hour, blockMs: hour } });
      for (let i = 0; i < 5; i++) await authenticate("imap", `user${i}@example.com`, "spray-password", ctx("2001:db8:5:6::1"));
      const [auto] = await security.ipRules.list();
      assert.deepEqual([auto?.action, auto?.cidr, auto?.origin, auto?.expiresAt], ["block", "2001:db8:5:6::/64", "auto", clock.now() + hour]);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:5:6::99"))), "ip_blocked", "the whole /64, right password or not");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:5:7::1"))), "ok");
      clock.advance(hour);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:5:6::99"))), "ok", "the block expires");

      for (let i = 0; i < 5; i++) await authenticate("smtp", `user${i}@example.com`, "spray-password", ctx("::ffff:198.51.100.9"));
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("198.51.100.9"))), "ip_blocked");
      assert.deepEqual((await security.ipRules.list()).map((r) => r.cidr), ["198.51.100.9/32"]);
      assert.equal(await security.ipRules.unblock("::ffff:198.51.100.9", {}, admin), 1);
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("198.51.100.9"))), "ok");
      assert.equal((await security.audit.list({ limit: 1 }))[0]?.action, "ip.unblock");
    });

    it("automatic blocks and failure counts survive a restart", async (t) => {
      const key = randomBytes(32);
      const first = await securityCore(t, await open(t, "restart"), { key, ipBlock: { afterFailures: 4, windowMs: hour, blockMs: hour } });
      for (let i = 0; i < 3; i++) await first.authenticate("imap", `u${i}@example.com`, "nope-nope", ctx("192.0.2.200"));
      await first.store.close();
      const second = await securityCore(t, await open(t, "restart"), { key, ipBlock: { afterFailures: 4, windowMs: hour, blockMs: hour } });
      await second.authenticate("imap", "u9@example.com", "nope-nope", ctx("192.0.2.200"));
      assert.equal(await outcome(second.authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.2.200"))), "ip_blocked", "the fourth failure, after the restart, made the block");
      await second.store.close();
      const third = await securityCore(t, await open(t, "restart"), { key });
      assert.equal(await outcome(third.authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.2.200"))), "ip_blocked");
    });

    it("rules written in IPv4-mapped IPv6 form match plain IPv4 and mapped clients; an account allowlist takes IPv6 ranges", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts } = await securityCore(t, store);
      await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await security.ipRules.block("::ffff:203.0.113.0/120", { domain: "example.com" }, admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("203.0.113.8"))), "ip_blocked");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("::ffff:203.0.113.9"))), "ip_blocked");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx("::203.0.113.9"))), "ok", "an IPv4-compatible address is another host");
      await security.ipRules.allow("2001:db8:aa::/48", { domain: "example.com", user: "bob@example.com", channel: "smtp" }, admin);
      await security.ipRules.allow("::ffff:192.0.2.0/120", { domain: "example.com", user: "bob@example.com", channel: "smtp" }, admin);
      assert.equal(await outcome(authenticate("smtp", "bob@example.com", PASSWORD, ctx("2001:db8:aa:1::1"))), "ok");
      assert.equal(await outcome(authenticate("smtp", "bob@example.com", PASSWORD, ctx("192.0.2.44"))), "ok");
      assert.equal(await outcome(authenticate("smtp", "bob@example.com", PASSWORD, ctx("2001:db8:ab::1"))), "ip_not_allowed");
      assert.equal(await outcome(authenticate("smtp", "bob@example.com", PASSWORD, ctx("::ffff:198.51.100.1"))), "ip_not_allowed");
      assert.equal(await outcome(authenticate("imap", "bob@example.com", PASSWORD, ctx("2001:db8:ab::1"))), "ok", "the entries are for SMTP only");
    });

    it("refuses CIDRs that are not, and names them in the normal form", async (t) => {
      const store = await open(t);
      const { security } = await securityCore(t, store);
      await assert.rejects(security.ipRules.block("10.0.0.0/33", {}, admin), /not an IP address or CIDR/);
      await assert.rejects(security.ipRules.block("127.1", {}, admin), /not an IP address or CIDR/);
      assert.equal((await security.ipRules.block("::ffff:10.0.0.0/104", {}, admin)).cidr, "10.0.0.0/8");
    });
  });
});
