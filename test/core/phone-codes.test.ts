// One-time codes for the bound phone (issue 6, item 6), on SQLite and PostgreSQL with a fake
// clock and the real `log` sender: six digits, stored only hashed, good for ten minutes, for
// one purpose, once; five wrong tries void a code; a newer code voids the older; sends are
// limited per account and per number.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeLifetimeMs, normalisePhoneNumber } from "../../src/core/auth/phone/index.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { phoneCore } from "./phone-setup.js";

const NUMBER = "+4915112345678";
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("phone numbers", () => {
  it("are normalised to E.164 and anything else is refused with a clear error", () => {
    assert.equal(normalisePhoneNumber("+49 (151) 1234-5678"), NUMBER);
    assert.equal(normalisePhoneNumber("0049 151 12345678"), NUMBER);
    assert.equal(normalisePhoneNumber(" +1 415.555.0100 "), "+14155550100");
    for (const bad of ["015112345678", "+0151123456", "+49151abc45678", "+1234", "+1234567890123456", "", "+49 151 1234\n5678"]) {
      assert.throws(() => normalisePhoneNumber(bad), (err: unknown) => isMoatError(err, "invalid_input"), bad);
    }
  });
});

forEachDialect((dialect, open) => {
  describe(`phone codes on ${dialect}`, () => {
    it("are six random digits, stored only hashed, and verify once", async (t) => {
      const store = await open(t);
      const { codes, alice, lastCode } = await phoneCore(t, store);
      assert.equal(await codes.send(alice.id, "bind", NUMBER), "sent");
      const code = (await lastCode(NUMBER))!;
      assert.match(code, /^\d{6}$/);
      const stored = (await store.phones.liveCode(alice.id, "bind", 0))!;
      assert.equal(stored.hash.includes(code), false, "the code itself is not stored");
      assert.equal(stored.target, NUMBER);
      assert.ok(await codes.check(alice.id, "bind", code.replace(/(\d{3})/, "$1 "), { consume: true }), "spaces are ignored");
      assert.equal(await codes.check(alice.id, "bind", code, { consume: true }), undefined, "single use");
    });

    it("expire after ten minutes", async (t) => {
      const store = await open(t);
      const { codes, alice, lastCode, clock } = await phoneCore(t, store);
      await codes.send(alice.id, "second_factor", NUMBER);
      const code = (await lastCode(NUMBER))!;
      clock.advance(codeLifetimeMs - 1000);
      assert.ok(await codes.check(alice.id, "second_factor", code, { consume: false }), "still good just before");
      clock.advance(1000);
      assert.equal(await codes.check(alice.id, "second_factor", code, { consume: true }), undefined);
    });

    it("are void after five wrong tries, even for the right code", async (t) => {
      const store = await open(t);
      const { codes, alice, lastCode } = await phoneCore(t, store);
      await codes.send(alice.id, "password_reset", NUMBER);
      const code = (await lastCode(NUMBER))!;
      for (let i = 0; i < 4; i++) assert.equal(await codes.check(alice.id, "password_reset", wrong(code), { consume: true }), undefined);
      assert.ok(await codes.check(alice.id, "password_reset", code, { consume: false }), "four wrong tries leave it good");
      assert.equal(await codes.check(alice.id, "password_reset", "not-a-code", { consume: true }), undefined, "the fifth wrong try");
      assert.equal(await codes.check(alice.id, "password_reset", code, { consume: true }), undefined, "void now");
    });

    it("are good only for their own purpose and their own account", async (t) => {
      const store = await open(t);
      const { codes, alice, accounts, lastCode } = await phoneCore(t, store);
      const bob = await accounts.addUser({ address: "bob@example.com", password: "bob-password-long-1" });
      await codes.send(alice.id, "bind", NUMBER);
      const code = (await lastCode(NUMBER))!;
      for (const purpose of ["rebind_old", "password_reset", "second_factor"] as const) {
        assert.equal(await codes.check(alice.id, purpose, code, { consume: true }), undefined, purpose);
      }
      assert.equal(await codes.check(bob.id, "bind", code, { consume: true }), undefined, "another account");
      assert.ok(await codes.check(alice.id, "bind", code, { consume: true }), "still good for its purpose");
    });

    it("a newer code of the same purpose voids the older one", async (t) => {
      const store = await open(t);
      const { codes, alice, lastCode } = await phoneCore(t, store);
      await codes.send(alice.id, "second_factor", NUMBER);
      const first = (await lastCode(NUMBER))!;
      await codes.send(alice.id, "second_factor", NUMBER);
      const second = (await lastCode(NUMBER))!;
      if (first !== second) assert.equal(await codes.check(alice.id, "second_factor", first, { consume: false }), undefined);
      assert.ok(await codes.check(alice.id, "second_factor", second, { consume: true }));
    });

    it("sending is limited per account and per number, for an hour", async (t) => {
      const store = await open(t);
      const { codes, alice, accounts, clock, sentTo } = await phoneCore(t, store, { limits: { perAccountPerHour: 3, perNumberPerHour: 4 } });
      const bob = await accounts.addUser({ address: "bob@example.com", password: "bob-password-long-1" });
      for (let i = 0; i < 3; i++) assert.equal(await codes.send(alice.id, "second_factor", NUMBER), "sent");
      assert.equal(await codes.send(alice.id, "password_reset", "+14155550100"), "rate_limited", "per account, whatever the purpose and number");
      assert.equal(await codes.send(bob.id, "bind", NUMBER), "sent");
      assert.equal(await codes.send(bob.id, "bind", NUMBER), "rate_limited", "per number, whatever the account");
      assert.equal(await sentTo(NUMBER), 4);
      clock.advance(3_600_000 + 1);
      assert.equal(await codes.send(alice.id, "second_factor", NUMBER), "sent", "an hour later");
      assert.equal(await codes.prune(), 0, "codes are kept a day for the limits");
      clock.advance(86_400_000);
      assert.equal(await codes.prune(), 4, "the first hour's codes, a day later");
    });

    it("racing sends cannot pass the limit together", async (t) => {
      const store = await open(t);
      const { codes, alice, sentTo } = await phoneCore(t, store, { limits: { perAccountPerHour: 3, perNumberPerHour: 100 } });
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => codes.send(alice.id, "second_factor", NUMBER)));
      assert.equal(outcomes.filter((o) => o === "sent").length, 3, outcomes.join());
      assert.equal(await sentTo(NUMBER), 3);
    });

    it("PhoneCodeCheck: only a bound phone gets and verifies codes, and only one sent to the number bound now", async (t) => {
      const store = await open(t);
      const { phones, alice, lastCode, clock } = await phoneCore(t, store);
      assert.equal(await phones.hasBoundPhone(alice.id), false);
      assert.equal(await phones.send(alice.id, "second_factor"), false, "no phone, no code");
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      assert.equal(await phones.hasBoundPhone(alice.id), true);
      assert.equal(await phones.send(alice.id, "second_factor"), true);
      const code = (await lastCode(NUMBER))!;
      assert.equal(await phones.verify(alice.id, "password_reset", code), false, "wrong purpose");
      assert.equal(await phones.verify(alice.id, "second_factor", code), true);
      assert.equal(await phones.verify(alice.id, "second_factor", code), false, "used");
      assert.equal(await phones.send(alice.id, "second_factor"), true);
      const next = (await lastCode(NUMBER))!;
      await store.phones.put({ userId: alice.id, number: "+14155550100", verifiedAt: clock.now() });
      assert.equal(await phones.verify(alice.id, "second_factor", next), false, "sent to a number no longer bound");
    });
  });
});
