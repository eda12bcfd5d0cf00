// TOTP for two-factor login (issue 6 item 3, decision 0013): RFC 6238 Appendix B, the ±1 step
// window, a code accepted once, enrolment pending until a right code, the secret sealed at
// rest; recovery codes used once, regenerated, counted. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Secret, TOTP } from "otpauth";
import { matchTotp, totpCode, totpStep } from "../../src/core/auth/two-factor/totp.js";
import { forEachDialect } from "../support/stores.js";
import { securityCore } from "./login-security-setup.js";
import { enrolTotp, firstStep, records, secondStep } from "./two-factor-setup.js";

// RFC 6238 Appendix B, the SHA1 rows: the seed is the ASCII "12345678901234567890".
const rfcSeed = "12345678901234567890";
const rfcVectors: Array<[seconds: number, code: string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP against RFC 6238", () => {
  const base32 = Secret.fromLatin1(rfcSeed).base32;

  it("the library configured as ours (SHA1, 30 s) gives the 8-digit codes of Appendix B", () => {
    const totp = new TOTP({ algorithm: "SHA1", digits: 8, period: 30, secret: Secret.fromLatin1(rfcSeed) });
    for (const [seconds, code] of rfcVectors) assert.equal(totp.generate({ timestamp: seconds * 1000 }), code, `T=${seconds}`);
  });

  it("our 6-digit codes are the last six digits of each vector, and match their own time step", () => {
    for (const [seconds, code] of rfcVectors) {
      const now = seconds * 1000;
      assert.equal(totpCode(base32, now), code.slice(2), `T=${seconds}`);
      assert.equal(matchTotp(base32, code.slice(2), now), totpStep(now), `T=${seconds}`);
    }
  });

  it("accepts the step before and after (±30 s) and nothing further; spaces are ignored, other input refused", () => {
    const now = 1234567890 * 1000;
    const code = totpCode(base32, now);
    assert.equal(matchTotp(base32, code, now + 30_000), totpStep(now), "one step late");
    assert.equal(matchTotp(base32, code, now - 30_000), totpStep(now), "one step early");
    assert.equal(matchTotp(base32, code, now + 60_000), null, "two steps late");
    assert.equal(matchTotp(base32, code, now - 60_000), null, "two steps early");
    assert.equal(matchTotp(base32, `${code.slice(0, 3)} ${code.slice(3)}`, now), totpStep(now));
    for (const bad of ["", "12345", "1234567", "abcdef", `${code}0`]) assert.equal(matchTotp(base32, bad, now), null, JSON.stringify(bad));
  });
});

forEachDialect((dialect, open) => {
  describe(`TOTP and recovery codes on ${dialect}`, () => {
    it("an enrolment is pending until a right code; the secret is stored sealed, never in the clear", async (t) => {
      const core = await securityCore(t, await open(t));
      const { twoFactor } = core.security;
      const enrolment = await twoFactor.startTotpEnrolment(core.alice.id);
      assert.match(enrolment.uri, /^otpauth:\/\/totp\/Moat:alice%40example\.com\?/);
      assert.match(enrolment.uri, /algorithm=SHA1&digits=6&period=30/);
      assert.match(enrolment.qrSvg, /^<svg/);
      assert.match(enrolment.qrDataUrl, /^data:image\/png;base64,/);
      assert.equal((await twoFactor.status("alice@example.com")).totp, "pending");
      const row = await core.store.twoFactor.account(core.alice.id);
      assert.match(row!.totpPendingSealed!, /^sealed:v1:/);
      assert.ok(!row!.totpPendingSealed!.includes(enrolment.secret));
      // A pending secret is no second factor: the password alone still logs in.
      assert.equal((await core.authenticate("web", "alice@example.com", "correct horse battery staple", { ip: "198.51.100.7", secure: true, method: "web password" })).ok, true);

      const wrong = totpCode(enrolment.secret, core.clock.now() + 5 * 60_000);
      await assert.rejects(twoFactor.confirmTotp(core.alice.id, wrong), { code: "invalid_second_factor" });
      const { recoveryCodes } = await twoFactor.confirmTotp(core.alice.id, totpCode(enrolment.secret, core.clock.now()));
      assert.equal(recoveryCodes?.length, 10, "the first second factor comes with ten recovery codes");
      const status = await twoFactor.status("alice@example.com");
      assert.deepEqual([status.enabled, status.totp, status.recoveryCodesLeft], [true, "on", 10]);
      assert.match((await core.store.twoFactor.account(core.alice.id))!.totpSealed!, /^sealed:v1:/);
      assert.deepEqual((await core.security.audit.list({ limit: 1 }))[0]?.action, "2fa.totp.enrol");
    });

    it("a code is accepted once: the same step is refused afterwards, even within the window", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const code = totpCode(secret, core.clock.now());
      const first = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code });
      assert.equal(first.ok, true);
      core.clock.advance(10_000); // same step, or the next: the code is still inside the window
      const replay = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code });
      assert.ok(!replay.ok && replay.reason === "second_factor_invalid");
      // The code confirming the enrolment is spent too (enrolTotp moved the clock one step on).
      const enrolCode = totpCode(secret, core.clock.now() - 40_000);
      const old = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: enrolCode });
      assert.ok(!old.ok && old.reason === "second_factor_invalid");
      core.clock.advance(30_000);
      assert.equal((await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) })).ok, true, "the next step's code works");
    });

    it("two logins racing with one code: only one wins", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const code = totpCode(secret, core.clock.now());
      const [a, b] = [await firstStep(core), await firstStep(core)];
      const results = await Promise.all([secondStep(core, a.ticket, { kind: "totp", code }), secondStep(core, b.ticket, { kind: "totp", code })]);
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
    });

    it("recovery codes: each works once, dashes, spaces and case ignored; regenerating voids the old ones", async (t) => {
      const core = await securityCore(t, await open(t));
      const { recoveryCodes } = await enrolTotp(core);
      assert.equal(new Set(recoveryCodes).size, 10);
      for (const code of recoveryCodes) assert.match(code, /^[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
      const typed = recoveryCodes[0]!.replace(/-/g, " ").toUpperCase();
      const used = await secondStep(core, (await firstStep(core)).ticket, { kind: "recovery", code: typed });
      assert.ok(used.ok && used.secondFactor === "recovery");
      const again = await secondStep(core, (await firstStep(core)).ticket, { kind: "recovery", code: recoveryCodes[0]! });
      assert.ok(!again.ok && again.reason === "second_factor_invalid");
      assert.equal((await core.security.twoFactor.status("alice@example.com")).recoveryCodesLeft, 9);
      assert.deepEqual((await records(core, 4)).map((r) => r[1]), ["web password", "web password + recovery code", "web password", "web password"]);

      const fresh = await core.security.twoFactor.regenerateRecoveryCodes(core.alice.id);
      assert.equal((await core.security.twoFactor.status("alice@example.com")).recoveryCodesLeft, 10);
      const old = await secondStep(core, (await firstStep(core)).ticket, { kind: "recovery", code: recoveryCodes[1]! });
      assert.ok(!old.ok, "a code from before the regeneration is void");
      assert.equal((await secondStep(core, (await firstStep(core)).ticket, { kind: "recovery", code: fresh[0]! })).ok, true);
      const rows = await core.store.twoFactor.recoveryCodes(core.alice.id);
      assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash) && !fresh.some((c) => r.hash.includes(c))), "stored as keyed hashes only");
    });
  });
});
