import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import argon2 from "argon2";
import { createAuthenticator } from "../../src/core/auth/authenticate.js";
import type { ThrottleSettings } from "../../src/core/auth/throttle.js";
import type { LoginContext } from "../../src/core/auth/types.js";
import type { Store } from "../../src/core/ports/store.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { countingHasher } from "../support/counting-hasher.js";
import { forEachDialect } from "../support/stores.js";

const throttle: ThrottleSettings = { failureDelayMs: 2000, maxFailureDelayMs: 15_000, blockAfterFailures: 10, blockMs: 15 * 60_000, windowMs: 60 * 60_000 };
const ctx = (ip = "198.51.100.7", extra: Partial<LoginContext> = {}): LoginContext => ({ ip, secure: true, method: "IMAP LOGIN", ...extra });
const PASSWORD = "correct horse battery staple";

async function setup(t: TestContext, store: Store, settings: Partial<ThrottleSettings> = {}) {
  const clock = new TestClock();
  const passwords = countingHasher();
  const { accounts } = coreFor(t, store, clock, passwords);
  await accounts.addDomain("example.com");
  const alice = await accounts.addUser({ address: "alice@example.com", password: PASSWORD });
  const authenticate = createAuthenticator({ store, clock, passwords, throttle: { ...throttle, ...settings } });
  return { clock, passwords, accounts, alice, authenticate };
}

forEachDialect((dialect, open) => {
  describe(`authenticate() on ${dialect}`, () => {
    it("accepts the right password and records the success with IP, channel, method and client id", async (t) => {
      const store = await open(t);
      const { authenticate, alice } = await setup(t, store);
      const result = await authenticate("imap", "Alice@EXAMPLE.com", PASSWORD, ctx("2001:db8::5", { clientId: "Thunderbird 128" }));
      assert.ok(result.ok);
      assert.deepEqual({ userId: result.userId, address: result.address, credential: result.credential }, { userId: alice.id, address: "alice@example.com", credential: { kind: "password" } });
      const [record] = await store.loginRecords.list({ userId: alice.id, limit: 5 });
      assert.equal(record?.result, "success");
      assert.equal(record?.reason, "ok");
      assert.equal(record?.ip, "2001:db8::5");
      assert.equal(record?.channel, "imap");
      assert.equal(record?.method, "IMAP LOGIN");
      assert.equal(record?.clientId, "Thunderbird 128");
    });

    it("answers an unknown account exactly like a wrong password, at the same cost", async (t) => {
      const store = await open(t);
      const { authenticate, passwords, clock } = await setup(t, store);
      const wrong = await authenticate("pop3", "alice@example.com", "not the password", ctx());
      const unknown = await authenticate("pop3", "nobody@example.com", "not the password", ctx());
      assert.equal(wrong.ok, false);
      assert.equal(unknown.ok, false);
      if (wrong.ok || unknown.ok) return;
      assert.equal(wrong.publicMessage, unknown.publicMessage);
      assert.equal(wrong.temporary, unknown.temporary);
      assert.equal(passwords.verifies, 2, "one argon2 verify for each, including the unknown account");
      assert.deepEqual(clock.sleeps, [2000, 2000], "the same first-failure delay for both");
      assert.equal(wrong.reason, "invalid_credentials");
      assert.equal(unknown.reason, "unknown_account");
      const records = await store.loginRecords.list({ limit: 10 });
      assert.deepEqual(records.map((r) => [r.identity, r.reason]), [["nobody@example.com", "unknown_account"], ["alice@example.com", "invalid_credentials"]]);
    });

    it("refuses a suspended account, telling why only to someone who knows the password", async (t) => {
      const store = await open(t);
      const { authenticate, accounts } = await setup(t, store);
      await accounts.setStatus("alice@example.com", "suspended");
      const right = await authenticate("smtp", "alice@example.com", PASSWORD, ctx());
      const wrong = await authenticate("smtp", "alice@example.com", "nope-nope-nope", ctx());
      assert.ok(!right.ok && right.reason === "account_suspended");
      assert.ok(!wrong.ok && wrong.reason === "invalid_credentials" && wrong.publicMessage === "Authentication failed");
    });

    it("delays each failure longer, up to the cap, then blocks the account from that network", async (t) => {
      const store = await open(t);
      const { authenticate, clock } = await setup(t, store, { blockAfterFailures: 6 });
      for (let i = 0; i < 6; i++) await authenticate("imap", "alice@example.com", `wrong-${i}`, ctx());
      assert.deepEqual(clock.sleeps, [2000, 4000, 8000, 15_000, 15_000, 15_000]);
      const blocked = await authenticate("imap", "alice@example.com", PASSWORD, ctx());
      assert.ok(!blocked.ok && blocked.reason === "throttled" && blocked.temporary, "blocked even with the right password");
      // The owner elsewhere is not locked out by an attacker's failures.
      assert.equal((await authenticate("imap", "alice@example.com", PASSWORD, ctx("203.0.113.9"))).ok, true);
      clock.advance(15 * 60_000 + 1);
      assert.equal((await authenticate("imap", "alice@example.com", PASSWORD, ctx())).ok, true, "the block expires");
    });

    it("checks no password while blocked", async (t) => {
      const store = await open(t);
      const { authenticate, passwords } = await setup(t, store, { blockAfterFailures: 2 });
      await authenticate("imap", "alice@example.com", "wrong-1", ctx());
      await authenticate("imap", "alice@example.com", "wrong-2", ctx());
      const before = passwords.verifies;
      await authenticate("imap", "alice@example.com", PASSWORD, ctx());
      assert.equal(passwords.verifies, before);
    });

    it("counts IPv6 failures per /64 and IPv4-mapped IPv6 as IPv4", async (t) => {
      const store = await open(t);
      const { authenticate } = await setup(t, store, { blockAfterFailures: 2 });
      await authenticate("imap", "alice@example.com", "wrong-1", ctx("2001:db8:1:2::10"));
      await authenticate("imap", "alice@example.com", "wrong-2", ctx("2001:db8:1:2:ffff::99"));
      const sameNet = await authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:1:2::1"));
      assert.ok(!sameNet.ok && sameNet.reason === "throttled");
      assert.equal((await authenticate("imap", "alice@example.com", PASSWORD, ctx("2001:db8:1:3::1"))).ok, true);

      await authenticate("imap", "alice@example.com", "wrong-1", ctx("192.0.2.44"));
      await authenticate("imap", "alice@example.com", "wrong-2", ctx("::ffff:192.0.2.44"));
      const mapped = await authenticate("imap", "alice@example.com", PASSWORD, ctx("192.0.2.44"));
      assert.ok(!mapped.ok && mapped.reason === "throttled");
    });

    it("counts 50 parallel failures as 50", async (t) => {
      const store = await open(t);
      const { authenticate } = await setup(t, store, { blockAfterFailures: 100, failureDelayMs: 0 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => authenticate("imap", "alice@example.com", `wrong-${i}`, ctx())));
      const keys = await store.throttle.get("acct:alice@example.com|net:198.51.100.7");
      assert.equal(keys?.failures, 50);
    });

    it("a success clears the failure count", async (t) => {
      const store = await open(t);
      const { authenticate, clock } = await setup(t, store);
      await authenticate("imap", "alice@example.com", "wrong-1", ctx());
      await authenticate("imap", "alice@example.com", PASSWORD, ctx());
      await authenticate("imap", "alice@example.com", "wrong-2", ctx());
      assert.deepEqual(clock.sleeps, [2000, 2000]);
    });

    it("escapes control characters in the recorded name, so a crafted name cannot forge a log line", async (t) => {
      const store = await open(t);
      const { authenticate } = await setup(t, store);
      await authenticate("smtp", "evil\r\nrip=6.6.6.6 \u001b[31m", "x-password", ctx());
      const [record] = await store.loginRecords.list({ limit: 1 });
      assert.equal(record?.identity, "evil\\x0d\\x0arip=6.6.6.6 \\x1b[31m");
      assert.ok(![..."\r\n\u001b"].some((c) => (record?.identity ?? "").includes(c)), "no raw control characters");
    });

    it("stores argon2id with at least OWASP's parameters and upgrades a weaker hash on login", async (t) => {
      const store = await open(t);
      const { authenticate, alice } = await setup(t, store);
      const [, algorithm, version, params, salt] = alice.passwordHash.split("$");
      assert.equal(algorithm, "argon2id");
      assert.equal(version, "v=19");
      assert.deepEqual(Object.fromEntries((params ?? "").split(",").map((kv) => kv.split("="))), { m: "19456", t: "2", p: "1" });
      assert.ok(Buffer.from(salt ?? "", "base64").length >= 16, "a salt of at least 16 bytes");
      const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      await store.users.setPassword(alice.id, weak, alice.passwordChangedAt, false);
      assert.equal((await authenticate("web", "alice@example.com", PASSWORD, ctx())).ok, true);
      const upgraded = await store.users.findById(alice.id);
      assert.match(upgraded?.passwordHash ?? "", /\$m=19456,p=1,t=2\$/);
      assert.equal((await authenticate("web", "alice@example.com", PASSWORD, ctx())).ok, true);
    });
  });
});
