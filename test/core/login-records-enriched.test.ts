// Login records enriched at write time (issue 8 item 1, decision 0024), through the one
// authenticate() with the real GeoLite2 and ASN tables, on SQLite and PostgreSQL: each record
// keeps country, region, city, AS and operator of public addresses, labels private and
// loopback ones, names the client security password that logged in; a user reads only their
// own records, a domain admin only their domain's, an install admin any; filters typed wrong
// are refused; records past the retention period are pruned.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAsnTable } from "../../src/adapters/asn/index.js";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import { createAuthenticator } from "../../src/core/auth/authenticate.js";
import { parseLoginFilter } from "../../src/core/security/login-filter.js";
import { LoginRecordService } from "../../src/core/security/login-records.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { admin, countingHasher, ctx, PASSWORD, securityCore } from "./login-security-setup.js";

const geoip = createGeoLite2();
const asn = createAsnTable();
const day = 86_400_000;

async function enrichedCore(t: Parameters<typeof securityCore>[0], store: Parameters<typeof securityCore>[1]) {
  const passwords = countingHasher();
  const core = await securityCore(t, store, { passwords, geoip });
  const authenticate = createAuthenticator({ store, clock: core.clock, passwords, throttle: { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: 100, blockMs: 60_000, windowMs: 3_600_000 }, ...core.deps, asn });
  return { ...core, authenticate, logins: new LoginRecordService(store, core.clock, 180) };
}

forEachDialect((dialect, open) => {
  describe(`login records enriched on ${dialect}`, () => {
    it("keep the place and network of public addresses and label private and loopback ones", async (t) => {
      const { authenticate, store } = await enrichedCore(t, await open(t));
      const logins: Array<[string, boolean]> = [["81.2.69.160", true], ["41.58.0.1", true], ["::ffff:202.12.27.33", true], ["2a02:6b8::1", false], ["10.1.2.3", true], ["127.0.0.1", true]];
      for (const [ip, right] of logins) assert.equal((await authenticate("imap", "alice@example.com", right ? PASSWORD : "wrong", ctx(ip, "IMAP LOGIN"))).ok, right, ip);
      const rows = (await store.loginRecords.list({ limit: 10 })).reverse();
      const seen = rows.map((r) => [r.ip, r.network, r.country, r.region, r.city, r.asn, r.asOrg, r.result]);
      assert.deepEqual(seen, [
        ["81.2.69.160", "public", "GB", "England", "Bracknell", 20712, "Andrews & Arnold Ltd", "success"],
        ["41.58.0.1", "public", "NG", "Lagos", "Lagos", 36923, "SWIFT NETWORKS LIMITED", "success"],
        ["::ffff:202.12.27.33", "public", "JP", null, null, 7500, "WIDE Project", "success"],
        ["2a02:6b8::1", "public", "RU", null, null, 13238, "YANDEX LLC", "failure"],
        ["10.1.2.3", "private", null, null, null, null, null, "success"],
        ["127.0.0.1", "loopback", null, null, null, null, null, "success"],
      ]);
      assert.ok(rows.every((r) => r.method === "IMAP LOGIN" && r.appPasswordName === null));
    });

    it("name the client security password a login used; the main password leaves none", async (t) => {
      const { authenticate, store, security } = await enrichedCore(t, await open(t));
      const { secret } = await security.appPasswords.create("alice@example.com", "Thunderbird on the laptop", [], admin);
      assert.ok((await authenticate("imap", "alice@example.com", secret, ctx("193.0.0.1", "IMAP AUTHENTICATE PLAIN"))).ok);
      assert.ok((await authenticate("smtp", "alice@example.com", PASSWORD, ctx("193.0.0.1", "SMTP AUTH PLAIN"))).ok);
      const [bySmtp, byImap] = await store.loginRecords.list({ limit: 2 });
      assert.deepEqual([byImap!.method, byImap!.appPasswordName, byImap!.country, byImap!.asn], ["IMAP AUTHENTICATE PLAIN", "Thunderbird on the laptop", "NL", 3333]);
      assert.deepEqual([bySmtp!.method, bySmtp!.appPasswordName], ["SMTP AUTH PLAIN", null]);
    });

    it("a user reads their own, a domain admin their domain's (unknown names in it too), an admin any", async (t) => {
      const { authenticate, accounts, logins, clock } = await enrichedCore(t, await open(t));
      await accounts.addDomain("example.org");
      const dana = await accounts.addUser({ address: "dana@example.com", password: PASSWORD, role: "domain_admin" });
      const root = await accounts.addUser({ address: "root@example.org", password: PASSWORD, role: "admin" });
      const olga = await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
      const alice = await accounts.getUser("alice@example.com");
      await authenticate("imap", "alice@example.com", PASSWORD, ctx("41.58.0.1"));
      await authenticate("pop3", "nobody@example.com", PASSWORD, ctx("41.58.0.2"));
      await authenticate("imap", "olga@example.org", PASSWORD, ctx("8.8.8.8"));
      const filter = parseLoginFilter({}, clock.now());
      const who = (records: Array<{ identity: string }>) => records.map((r) => r.identity);
      assert.deepEqual(who(await logins.listForUser(alice.id, filter)), ["alice@example.com"]);
      assert.deepEqual(who(await logins.listForDomain(dana.id, undefined, filter)), ["nobody@example.com", "alice@example.com"]);
      await assert.rejects(logins.listForDomain(dana.id, "example.org", filter), (err) => isMoatError(err, "domain_not_found"), "another domain reads as none");
      await assert.rejects(logins.listForDomain(olga.id, undefined, filter), (err) => isMoatError(err, "domain_not_found"), "a plain user administers none");
      assert.deepEqual(who(await logins.listForDomain(root.id, "example.org", filter)), ["olga@example.org"]);
      assert.deepEqual(who(await logins.listForDomain(root.id, undefined, parseLoginFilter({ country: "ng" }, clock.now()))), ["nobody@example.com", "alice@example.com"]);
      assert.deepEqual(who(await logins.list({ ...parseLoginFilter({ ip: "41.58.0.0/16", result: "success" }, clock.now()), domain: "example.com" })), ["alice@example.com"]);
    });

    it("prunes records past the retention period", async (t) => {
      const { authenticate, logins, clock, store } = await enrichedCore(t, await open(t));
      await authenticate("imap", "alice@example.com", PASSWORD, ctx("193.0.0.1"));
      clock.advance(100 * day);
      await authenticate("imap", "alice@example.com", PASSWORD, ctx("8.8.8.8"));
      clock.advance(81 * day);
      assert.equal(await logins.prune(), 1, "181 days old: gone; 81 days old: kept");
      assert.deepEqual((await store.loginRecords.list({ limit: 10 })).map((r) => r.country), ["US"]);
    });
  });
});

describe("login filters as typed", () => {
  const now = Date.UTC(2026, 10, 27, 12);
  it("reads durations, dates, CIDR ranges, countries and results", () => {
    const f = parseLoginFilter({ ip: "203.0.113.0/24", country: "ng", result: "Failure", since: "24h", until: "2026-11-27T11:00:00Z", limit: "20", before: "99" }, now);
    assert.deepEqual(f, { limit: 20, beforeId: 99, ipKeyRange: { from: "00000000000000000000ffffcb007100", to: "00000000000000000000ffffcb0071ff" }, country: "NG", result: "failure", since: now - day, until: Date.UTC(2026, 10, 27, 11) });
    assert.deepEqual(parseLoginFilter({ ip: "::ffff:203.0.113.9" }, now), { limit: 50, ip: "203.0.113.9" }, "one address in its normal form");
    assert.deepEqual(parseLoginFilter({ since: "2026-11-01" }, now).since, Date.UTC(2026, 10, 1));
  });

  it("refuses what it cannot read, naming the flag", () => {
    for (const [text, message] of [
      [{ ip: "203.0.113.0/33" }, /--ip: '203\.0\.113\.0\/33' is not an IP address or CIDR range/],
      [{ ip: "somewhere" }, /--ip/],
      [{ country: "NGA" }, /--country: 'NGA' is not a two-letter/],
      [{ result: "maybe" }, /--result: expected success\|failure\|pending/],
      [{ since: "yesterday" }, /--since: 'yesterday' is neither a duration/],
      [{ since: "1h", until: "2h" }, /--since must be before --until/],
      [{ limit: "0" }, /--limit must be a whole number from 1 to 1000/],
      [{ limit: "5000" }, /--limit must be a whole number from 1 to 1000/],
      [{ before: "-3" }, /--before must be a whole number/],
    ] as const) {
      assert.throws(() => parseLoginFilter(text, now, "--"), (err) => isMoatError(err, "invalid_input") && message.test(err.message), JSON.stringify(text));
    }
  });
});
