// Passkeys as a second factor through @simplewebauthn/server with a software authenticator
// (test/support/webauthn-authenticator.ts): registration, the WebAuthn options sent with the
// first step's ticket, the assertion checked at the second step, a wrong signature, a
// signature counter going backwards (a cloned key), another origin. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SoftAuthenticator } from "../support/webauthn-authenticator.js";
import { forEachDialect } from "../support/stores.js";
import { PASSWORD, securityCore, testOrigin, type SecurityCore } from "./login-security-setup.js";
import { firstStep, records, secondStep, web } from "./two-factor-setup.js";

async function registered(core: SecurityCore, name = "YubiKey"): Promise<{ key: SoftAuthenticator; recoveryCodes: string[] | null }> {
  const key = new SoftAuthenticator(testOrigin, "mail.example.com");
  const options = await core.security.twoFactor.registerPasskeyOptions(core.alice.id);
  const { recoveryCodes } = await core.security.twoFactor.verifyPasskeyRegistration(core.alice.id, key.register(options), name);
  return { key, recoveryCodes };
}

type RequestOptions = { challenge: string; rpId?: string; allowCredentials?: Array<{ id: string }> };

forEachDialect((dialect, open) => {
  describe(`passkeys on ${dialect}`, () => {
    it("registers a passkey (attestation none) with its id, public key, counter, transports and name", async (t) => {
      const core = await securityCore(t, await open(t));
      const options = await core.security.twoFactor.registerPasskeyOptions(core.alice.id);
      assert.equal(options.rp.id, "mail.example.com");
      assert.equal(options.user.name, "alice@example.com");
      const { key, recoveryCodes } = await registered(core);
      assert.equal(recoveryCodes?.length, 10, "the first second factor comes with recovery codes");
      const [stored] = await core.store.twoFactor.passkeys(core.alice.id);
      assert.deepEqual([stored?.credentialId, stored?.name, stored?.counter, stored?.transports], [key.id, "YubiKey", 0, ["internal"]]);
      const status = await core.security.twoFactor.status("alice@example.com");
      assert.deepEqual([status.enabled, status.methods], [true, ["webauthn", "recovery"]]);
      const again = await core.security.twoFactor.registerPasskeyOptions(core.alice.id);
      assert.deepEqual(again.excludeCredentials?.map((c) => c.id), [key.id], "the browser is told not to register it twice");
      assert.equal((await core.security.audit.list({ limit: 1 }))[0]?.action, "2fa.passkey.add");
    });

    it("refuses a registration for another origin, a replayed one, and one without a ceremony", async (t) => {
      const core = await securityCore(t, await open(t));
      const key = new SoftAuthenticator(testOrigin, "mail.example.com");
      const options = await core.security.twoFactor.registerPasskeyOptions(core.alice.id);
      await assert.rejects(core.security.twoFactor.verifyPasskeyRegistration(core.alice.id, key.register(options, { origin: "https://evil.example.net" }), "k"), { code: "invalid_input" });
      await assert.rejects(core.security.twoFactor.verifyPasskeyRegistration(core.alice.id, key.register(options), "k"), { code: "invalid_input" }, "the challenge went with the failed attempt");
      await assert.rejects(core.security.twoFactor.verifyPasskeyRegistration(core.alice.id, { nonsense: true }, "k"), { code: "invalid_input" });
      assert.equal((await core.store.twoFactor.passkeys(core.alice.id)).length, 0);
    });

    it("logs in with the passkey: options with the ticket, the assertion at the second step, the counter kept", async (t) => {
      const core = await securityCore(t, await open(t));
      const { key } = await registered(core);
      const pending = await firstStep(core);
      assert.deepEqual(pending.methods, ["webauthn", "recovery"]);
      const options = pending.webauthn as RequestOptions;
      assert.deepEqual(options.allowCredentials?.map((c) => c.id), [key.id]);
      assert.equal(options.rpId, "mail.example.com");
      const result = await secondStep(core, pending.ticket, { kind: "webauthn", response: key.authenticate(options) });
      assert.ok(result.ok && result.secondFactor === "webauthn");
      assert.deepEqual((await records(core, 1))[0], ["ok", "web password + passkey"]);
      const [stored] = await core.store.twoFactor.passkeys(core.alice.id);
      assert.deepEqual([stored?.counter, stored?.lastUsedAt], [1, core.clock.now()]);
    });

    it("refuses a wrong signature, another ticket's challenge, a counter that went backwards, another origin", async (t) => {
      const core = await securityCore(t, await open(t));
      const { key } = await registered(core);
      const attempt = async (make: (options: RequestOptions) => unknown) => {
        const pending = await firstStep(core);
        return secondStep(core, pending.ticket, { kind: "webauthn", response: make(pending.webauthn as RequestOptions) });
      };
      const wrongKey = await attempt((o) => key.authenticate(o, { wrongKey: true }));
      assert.ok(!wrongKey.ok && wrongKey.reason === "second_factor_invalid");

      const stale = await firstStep(core);
      const fresh = await firstStep(core);
      const crossed = await secondStep(core, fresh.ticket, { kind: "webauthn", response: key.authenticate(stale.webauthn as RequestOptions) });
      assert.ok(!crossed.ok, "an assertion for another ticket's challenge");

      assert.ok((await attempt((o) => key.authenticate(o, { counter: 10 }))).ok);
      const cloned = await attempt((o) => key.authenticate(o, { counter: 5 }));
      assert.ok(!cloned.ok && cloned.reason === "second_factor_invalid", "a counter going backwards means a cloned authenticator");
      assert.equal((await core.store.twoFactor.passkeys(core.alice.id))[0]?.counter, 10);

      const phished = await attempt((o) => key.authenticate(o, { origin: "https://mail.example.com.evil.net" }));
      assert.ok(!phished.ok, "an assertion made for another origin (phishing)");
      assert.ok((await attempt((o) => key.authenticate(o, { counter: 11 }))).ok, "the real key, its counter past the stored one, still works");
    });

    it("a removed passkey no longer logs in, and without a second factor left the password alone does", async (t) => {
      const core = await securityCore(t, await open(t));
      const { key } = await registered(core, "laptop");
      await assert.rejects(core.security.twoFactor.removePasskey(core.alice.id, "nope"), { code: "invalid_input" });
      await core.security.twoFactor.removePasskey(core.alice.id, "laptop");
      const result = await core.authenticate("web", "alice@example.com", PASSWORD, web());
      assert.ok(result.ok, "no second factor left");
      assert.equal(key.counter, 0);
    });

    it("creating a client security password for oneself with a passkey uses the re-authentication challenge", async (t) => {
      const core = await securityCore(t, await open(t));
      const { key } = await registered(core);
      const self = { kind: "user" as const, userId: core.alice.id, address: "alice@example.com" };
      const { methods, webauthn } = await core.security.twoFactor.proofOptions(core.alice.id);
      assert.deepEqual(methods, ["webauthn", "recovery"]);
      const response = key.authenticate(webauthn as RequestOptions);
      assert.ok((await core.security.appPasswords.createForSelf(self, PASSWORD, "phone", [], { kind: "webauthn", response })).secret);
      await assert.rejects(core.security.appPasswords.createForSelf(self, PASSWORD, "phone 2", [], { kind: "webauthn", response }), { code: "invalid_second_factor" }, "the challenge is used once");
    });
  });
});
