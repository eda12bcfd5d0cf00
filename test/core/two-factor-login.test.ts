// The two steps of a web or API login with a second factor, through the real authenticate()
// (issue 6 item 3, decision 0013): the ticket and what it is bound to, what is checked again at
// the second step, the login record's reasons and methods, throttling of wrong proofs,
// remembered browsers, the domain's requirement with its grace period, an admin's reset and
// creating a client security password for oneself. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAuthenticator } from "../../src/core/auth/authenticate.js";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import type { PhoneCodeCheck } from "../../src/core/auth/types.js";
import { totpCode } from "../../src/core/auth/two-factor/totp.js";
import { forEachDialect } from "../support/stores.js";
import { admin, PASSWORD, securityCore } from "./login-security-setup.js";
import { enrolTotp, firstStep, records, secondStep, web } from "./two-factor-setup.js";

const day = 86_400_000;

forEachDialect((dialect, open) => {
  describe(`two-step web and API login on ${dialect}`, () => {
    it("a right password asks for the second factor (not a failure); the second step needs no password; the records say how", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const pending = await firstStep(core);
      assert.deepEqual(pending.methods, ["totp", "recovery"]);
      assert.equal(pending.expiresAt, core.clock.now() + 5 * 60_000);
      assert.equal(pending.webauthn, undefined, "no passkey, no WebAuthn options");
      assert.deepEqual(core.clock.sleeps, [], "asking for the second factor is no failure: no delay");
      const result = await secondStep(core, pending.ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) });
      assert.ok(result.ok);
      assert.deepEqual([result.userId, result.secondFactor, result.rememberedBrowser, result.mustEnrolSecondFactor], [core.alice.id, "totp", undefined, undefined]);
      assert.deepEqual(await records(core, 2), [
        ["second_factor_required", "web password"],
        ["ok", "web password + TOTP"],
      ]);
      // The first step is neither a success nor a failure: the anomaly rules must not count it either way.
      const [first] = await core.store.loginRecords.list({ limit: 2, result: "pending" });
      assert.equal(first?.reason, "second_factor_required");
      assert.equal((await core.store.loginRecords.list({ limit: 5, result: "failure" })).length, 0);
    });

    it("an API login of an account with two-factor login takes the same two steps", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const api = web({ method: "API password" });
      const pending = await firstStep(core, api, "api");
      const wrongChannel = await secondStep(core, pending.ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) }, api, "web");
      assert.ok(!wrongChannel.ok && wrongChannel.reason === "second_factor_invalid", "a ticket of the API is no ticket of the web");
      const again = await firstStep(core, api, "api");
      const result = await secondStep(core, again.ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) }, api, "api");
      assert.ok(result.ok && result.secondFactor === "totp");
      assert.deepEqual((await records(core, 1))[0], ["ok", "API password + TOTP"]);
    });

    it("a wrong proof is second_factor_invalid and counts as a failure: the throttle blocks the account+network", async (t) => {
      const core = await securityCore(t, await open(t), { throttle: { blockAfterFailures: 3 } });
      const { secret } = await enrolTotp(core);
      for (let i = 0; i < 3; i++) {
        const wrong = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: "000000" });
        assert.ok(!wrong.ok && wrong.reason === "second_factor_invalid" && wrong.publicMessage === "The verification code is wrong or was already used");
      }
      assert.equal(core.clock.sleeps.length, 3, "each wrong proof waits like a wrong password");
      const blocked = await core.authenticate("web", "alice@example.com", PASSWORD, web());
      assert.ok(!blocked.ok && blocked.reason === "throttled");
      const right = await secondStep(core, "whatever", { kind: "totp", code: totpCode(secret, core.clock.now()) });
      assert.ok(!right.ok && right.reason === "throttled", "the second step is throttled too");
    });

    it("a ticket is single use, bound to the client address, lives five minutes and dies after five wrong proofs", async (t) => {
      const core = await securityCore(t, await open(t), { throttle: { blockAfterFailures: 50 } });
      const { secret } = await enrolTotp(core);
      const code = () => ({ kind: "totp" as const, code: totpCode(secret, core.clock.now()) });

      const pending = await firstStep(core);
      assert.ok(!(await secondStep(core, pending.ticket, code(), web({}, "203.0.113.99"))).ok, "from another address");
      assert.ok(!(await secondStep(core, pending.ticket, code())).ok, "a mismatch voids the ticket for its owner too");

      const used = await firstStep(core);
      assert.ok((await secondStep(core, used.ticket, code())).ok);
      core.clock.advance(30_000);
      assert.ok(!(await secondStep(core, used.ticket, code())).ok, "single use");

      const late = await firstStep(core);
      core.clock.advance(5 * 60_000);
      assert.ok(!(await secondStep(core, late.ticket, code())).ok, "expired after five minutes");

      const guessed = await firstStep(core);
      for (let i = 0; i < 5; i++) assert.ok(!(await secondStep(core, guessed.ticket, { kind: "totp", code: "000000" })).ok);
      const after = await secondStep(core, guessed.ticket, code());
      assert.ok(!after.ok && after.reason === "second_factor_invalid", "five wrong proofs void it");

      const unknown = await core.authenticate("web", "nobody@example.com", "", { ...web(), secondFactor: { ticket: guessed.ticket, proof: code() } });
      assert.ok(!unknown.ok && unknown.reason === "second_factor_invalid");
    });

    it("the second step checks again: suspended meanwhile, address blocked meanwhile, password changed meanwhile", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const code = () => ({ kind: "totp" as const, code: totpCode(secret, core.clock.now()) });

      const suspended = await firstStep(core);
      await core.accounts.setStatus("alice@example.com", "suspended");
      const r1 = await secondStep(core, suspended.ticket, code());
      assert.ok(!r1.ok && r1.reason === "account_suspended");
      await core.accounts.setStatus("alice@example.com", "active");
      assert.ok(!(await secondStep(core, suspended.ticket, code())).ok, "the refused ticket is spent");

      const blocked = await firstStep(core);
      await core.security.ipRules.block("198.51.100.0/24", {}, admin);
      const r2 = await secondStep(core, blocked.ticket, code());
      assert.ok(!r2.ok && r2.reason === "ip_blocked");
      await core.security.ipRules.unblock("198.51.100.0/24", {}, admin);

      const changed = await firstStep(core);
      core.clock.advance(1000);
      await core.accounts.setPassword("alice@example.com", "a brand new passphrase 2026");
      const r3 = await secondStep(core, changed.ticket, code());
      assert.ok(!r3.ok && r3.reason === "second_factor_invalid", "a password change voids the tickets of the old one");
    });

    it("over IMAP, POP3 and SMTP the main password of an account with two-factor login is refused; a client security password works", async (t) => {
      const core = await securityCore(t, await open(t));
      assert.equal((await core.authenticate("imap", "alice@example.com", PASSWORD, web({ method: "IMAP LOGIN" }))).ok, true, "before enrolling");
      await enrolTotp(core);
      for (const channel of ["imap", "pop3", "smtp"] as const) {
        const r = await core.authenticate(channel, "alice@example.com", PASSWORD, web({ method: "LOGIN" }));
        assert.ok(!r.ok && r.reason === "security_password_required", channel);
      }
      const { secret } = await core.security.appPasswords.create("alice@example.com", "Thunderbird", [], admin);
      assert.equal((await core.authenticate("imap", "alice@example.com", secret, web({ method: "IMAP LOGIN" }))).ok, true);
      const wrong = await core.authenticate("imap", "alice@example.com", "not the password", web({ method: "IMAP LOGIN" }));
      assert.ok(!wrong.ok && wrong.reason === "invalid_credentials", "no oracle: a wrong password is still just wrong");
    });

    it("remember this browser: the token skips the second factor for 30 days, for its own account only", async (t) => {
      const core = await securityCore(t, await open(t));
      const { secret } = await enrolTotp(core);
      const result = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) }, web({ rememberBrowser: true }));
      assert.ok(result.ok && result.rememberedBrowser);
      const { token, expiresAt } = result.rememberedBrowser;
      assert.equal(expiresAt, core.clock.now() + 30 * day);
      assert.equal((await core.security.twoFactor.status("alice@example.com")).rememberedBrowsers, 1);

      const skipped = await core.authenticate("web", "alice@example.com", PASSWORD, web({ rememberedBrowser: token }));
      assert.ok(skipped.ok && skipped.secondFactor === undefined);
      assert.deepEqual((await records(core, 1))[0], ["ok", "web password + remembered browser"]);
      const api = await core.authenticate("api", "alice@example.com", PASSWORD, web({ rememberedBrowser: token }));
      assert.ok(!api.ok && api.reason === "second_factor_required", "a browser cookie means nothing to the API");
      const wrongPassword = await core.authenticate("web", "alice@example.com", "nope nope nope", web({ rememberedBrowser: token }));
      assert.ok(!wrongPassword.ok && wrongPassword.reason === "invalid_credentials", "it skips the second factor, never the password");

      const bob = await core.accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await enrolTotp(core, bob.id);
      const asBob = await core.authenticate("web", "bob@example.com", PASSWORD, web({ rememberedBrowser: token }));
      assert.ok(!asBob.ok && asBob.reason === "second_factor_required", "alice's browser is not bob's");

      core.clock.advance(30 * day);
      const expired = await core.authenticate("web", "alice@example.com", PASSWORD, web({ rememberedBrowser: token }));
      assert.ok(!expired.ok && expired.reason === "second_factor_required", "expired after 30 days");
    });

    it("remembered browsers are forgotten on a reset of the second factors and on a password change", async (t) => {
      const core = await securityCore(t, await open(t));
      const remember = async (secret: string) => {
        core.clock.advance(30_000);
        const r = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) }, web({ rememberBrowser: true }));
        assert.ok(r.ok && r.rememberedBrowser);
        return r.rememberedBrowser.token;
      };
      const first = await enrolTotp(core);
      const token = await remember(first.secret);
      await core.accounts.setPassword("alice@example.com", "a brand new passphrase 2026");
      const afterChange = await core.authenticate("web", "alice@example.com", "a brand new passphrase 2026", web({ rememberedBrowser: token }));
      assert.ok(!afterChange.ok && afterChange.reason === "second_factor_required", "a password change forgets it");

      const token2 = await (async () => {
        core.clock.advance(30_000);
        const pending = await core.authenticate("web", "alice@example.com", "a brand new passphrase 2026", web());
        assert.ok(!pending.ok && pending.pending);
        const r = await secondStep(core, pending.pending.ticket, { kind: "totp", code: totpCode(first.secret, core.clock.now()) }, web({ rememberBrowser: true }));
        assert.ok(r.ok && r.rememberedBrowser);
        return r.rememberedBrowser.token;
      })();
      const removed = await core.security.twoFactor.resetAll("alice@example.com", admin);
      assert.equal(removed.rememberedBrowsers, 1);
      await enrolTotp(core);
      const afterReset = await core.authenticate("web", "alice@example.com", "a brand new passphrase 2026", web({ rememberedBrowser: token2 }));
      assert.ok(!afterReset.ok && afterReset.reason === "second_factor_required", "a reset forgets it");
    });

    it("an admin's reset removes every second factor, is audited, and the password alone logs in again", async (t) => {
      const core = await securityCore(t, await open(t));
      await enrolTotp(core);
      const removed = await core.security.twoFactor.resetAll("alice@example.com", admin);
      assert.deepEqual(removed, { totp: true, passkeys: 0, recoveryCodes: 10, rememberedBrowsers: 0 });
      const [entry] = await core.security.audit.list({ limit: 1 });
      assert.deepEqual([entry?.action, entry?.actor, entry?.target, entry?.before], ["2fa.reset", "cli:tester", "alice@example.com", removed]);
      const status = await core.security.twoFactor.status("alice@example.com");
      assert.deepEqual([status.enabled, status.totp, status.recoveryCodesLeft], [false, "off", 0]);
      assert.equal((await core.authenticate("web", "alice@example.com", PASSWORD, web())).ok, true);
      assert.equal((await core.authenticate("imap", "alice@example.com", PASSWORD, web({ method: "IMAP LOGIN" }))).ok, true);
      await assert.rejects(core.security.twoFactor.resetAll("nobody@example.com", admin), { code: "user_not_found" });
    });

    it("a domain requirement with a grace period: after it, a login without a second factor may only enrol", async (t) => {
      const core = await securityCore(t, await open(t));
      const bob = await core.accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await core.security.twoFactor.setRequirement("example.com", { required: "listed", accounts: ["Alice@Example.com"], graceDays: 7 }, admin);
      const [entry] = await core.security.audit.list({ limit: 1 });
      assert.equal(entry?.action, "domain.login_settings");
      const status = await core.security.twoFactor.status("alice@example.com");
      assert.deepEqual([status.required, status.enrolBy], [true, core.clock.now() + 7 * day]);
      assert.equal((await core.security.twoFactor.status("bob@example.com")).required, false);

      core.clock.advance(6 * day);
      const inGrace = await core.authenticate("web", "alice@example.com", PASSWORD, web());
      assert.ok(inGrace.ok && inGrace.mustEnrolSecondFactor === undefined, "within the grace period");
      core.clock.advance(day);
      const late = await core.authenticate("web", "alice@example.com", PASSWORD, web());
      assert.ok(late.ok && late.mustEnrolSecondFactor === true, "after it: the session may only enrol");
      const lateApi = await core.authenticate("api", "alice@example.com", PASSWORD, web({ method: "API password" }));
      assert.ok(lateApi.ok && lateApi.mustEnrolSecondFactor === true);
      const other = await core.authenticate("web", "bob@example.com", PASSWORD, web());
      assert.ok(other.ok && other.mustEnrolSecondFactor === undefined, "bob is not listed");

      // A group's members: bob comes under it now, so his grace period starts now.
      await core.accounts.addGroup("finance@example.com", "Finance");
      await core.accounts.addMembers("finance@example.com", ["bob@example.com"]);
      await core.security.twoFactor.setRequirement("example.com", { required: "listed", groups: ["finance@example.com"] }, admin);
      assert.equal((await core.security.twoFactor.status("bob@example.com")).enrolBy, core.clock.now() + 7 * day);

      const { secret } = await enrolTotp(core);
      const enrolled = await secondStep(core, (await firstStep(core)).ticket, { kind: "totp", code: totpCode(secret, core.clock.now()) });
      assert.ok(enrolled.ok && enrolled.mustEnrolSecondFactor === undefined, "enrolled: a normal session");

      await core.security.twoFactor.setRequirement("example.com", { required: "off" }, admin);
      assert.equal((await core.store.twoFactor.account(bob.id))?.requiredSince, null, "off forgets the grace periods");
      await core.security.twoFactor.setRequirement("example.com", { required: "all", graceDays: 0 }, admin);
      const now = await core.authenticate("web", "bob@example.com", PASSWORD, web());
      assert.ok(now.ok && now.mustEnrolSecondFactor === true, "no grace: enrol at once");
      await assert.rejects(core.security.twoFactor.setRequirement("example.com", { required: "all", graceDays: 400 }, admin), { code: "invalid_input" });
    });

    it("creating a client security password for oneself needs the second factor when the account has one", async (t) => {
      const core = await securityCore(t, await open(t));
      const self = { kind: "user" as const, userId: core.alice.id, address: "alice@example.com" };
      assert.ok((await core.security.appPasswords.createForSelf(self, PASSWORD, "before", [])).secret, "no second factor yet: the password is enough");
      const { secret, recoveryCodes } = await enrolTotp(core);
      await assert.rejects(core.security.appPasswords.createForSelf(self, PASSWORD, "phone", []), { code: "invalid_second_factor" });
      await assert.rejects(core.security.appPasswords.createForSelf(self, PASSWORD, "phone", [], { kind: "totp", code: "000000" }), { code: "invalid_second_factor" });
      const code = { kind: "totp" as const, code: totpCode(secret, core.clock.now()) };
      await assert.rejects(core.security.appPasswords.createForSelf(self, "wrong password", "phone", [], code), { code: "invalid_password" });
      assert.ok((await core.security.appPasswords.createForSelf(self, PASSWORD, "phone", [], code)).secret);
      await assert.rejects(core.security.appPasswords.createForSelf(self, PASSWORD, "laptop", [], code), { code: "invalid_second_factor" }, "the code was used");
      assert.ok((await core.security.appPasswords.createForSelf(self, PASSWORD, "laptop", [], { kind: "recovery", code: recoveryCodes[3]! })).secret);
    });

    it("a bound phone is offered as \"sms\" and its code is checked by the phone's port", async (t) => {
      const passwords = createPasswordHasher(4);
      const core = await securityCore(t, await open(t), { passwords });
      const codes = new Map<number, string>();
      const phone: PhoneCodeCheck = {
        hasBoundPhone: async (userId) => userId === core.alice.id,
        send: async (userId) => (codes.set(userId, "424242"), true),
        verify: async (userId, purpose, code) => purpose === "second_factor" && codes.get(userId) === code && codes.delete(userId),
      };
      const authenticate = createAuthenticator({ store: core.store, clock: core.clock, passwords, throttle: { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: 100, blockMs: 60_000, windowMs: 3_600_000 }, ...core.deps, phoneCodes: phone });
      await enrolTotp(core);
      const first = await authenticate("web", "alice@example.com", PASSWORD, web());
      assert.ok(!first.ok && first.pending);
      assert.deepEqual(first.pending.methods, ["totp", "sms", "recovery"]);
      await phone.send(core.alice.id, "second_factor");
      const ok = await authenticate("web", "alice@example.com", "", { ...web(), secondFactor: { ticket: first.pending.ticket, proof: { kind: "sms", code: "424242" } } });
      assert.ok(ok.ok && ok.secondFactor === "sms");
      const withoutPhone = await firstStep(core);
      assert.deepEqual(withoutPhone.methods, ["totp", "recovery"], "no phone port: no sms");
      const refused = await secondStep(core, withoutPhone.ticket, { kind: "sms", code: "424242" });
      assert.ok(!refused.ok && refused.reason === "second_factor_invalid", "a kind the ticket did not offer is refused");
    });
  });
});
