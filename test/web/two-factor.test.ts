// Two-factor enrolment over the web API (issue 6 item 3, decision 0013) against the real HTTP
// server on port 0, on SQLite and PostgreSQL, with the bound phone wired as the "sms" factor
// and its codes read from the log sender's outbox:
//   - TOTP enrolment from a session held to enrolment (wrong code, right code, the session freed);
//   - a passkey registered through the routes (software authenticator), then a passkey login;
//   - fresh proofs (password or second factor) before removing a factor or regenerating codes;
//   - the SMS code of a login's second step, answered alike whether or not a code went;
//   - CSRF refused on the new routes.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { totpCode } from "../../src/core/auth/two-factor/totp.js";
import { WebSessionService } from "../../src/core/auth/web-sessions.js";
import type { Store } from "../../src/core/ports/store.js";
import { CidrSet } from "../../src/shared/ip.js";
import { registerWebRoutes } from "../../src/web/routes/index.js";
import { startHttpServer } from "../../src/web/server.js";
import { admin, PASSWORD, testOrigin } from "../core/login-security-setup.js";
import { phoneCore } from "../core/phone-setup.js";
import { enrolTotp } from "../core/two-factor-setup.js";
import { forEachDialect } from "../support/stores.js";
import { SoftAuthenticator } from "../support/webauthn-authenticator.js";
import { Browser, firefox, type Reply } from "./web-setup.js";

const ALICE = "alice@example.com";
const NUMBER = "+4915112345678";

/** Every web route over the phone core (which wires the phone into authenticate() as app.ts does). */
async function twoFactorWeb(t: TestContext, store: Store) {
  const core = await phoneCore(t, store);
  const webSessions = new WebSessionService(store, core.clock, core.accounts, core.security.audit, createPasswordHasher(4));
  const services = { authenticate: core.authenticate, webSessions, appPasswords: core.security.appPasswords, passwordReset: core.reset, phones: core.phones, twoFactor: core.security.twoFactor };
  const server = await startHttpServer({ host: "127.0.0.1", port: 0, trustedProxies: CidrSet.parse(["127.0.0.1"]), closeGraceMs: 0, routes: (app) => registerWebRoutes(app, services) });
  t.after(() => server.close());
  return { ...core, webSessions, browser: () => new Browser(server.port, firefox) };
}

type Pending = { ticket: string; methods: string[]; webauthn?: { challenge: string; rpId?: string } };

async function passwordStep(browser: Browser, headers: Record<string, string> = {}): Promise<Pending> {
  const reply = await browser.login(ALICE, PASSWORD, headers);
  assert.deepEqual([reply.status, reply.body.error?.code], [401, "second_factor_required"], JSON.stringify(reply.body));
  return reply.body.error?.pending as Pending;
}

async function secondStep(browser: Browser, ticket: string, proof: unknown): Promise<Reply> {
  const reply = await browser.call("POST", "/api/v1/session", { address: ALICE, ticket, proof });
  if (reply.status === 200) browser.csrf = String(reply.body.csrfToken);
  return reply;
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");
const codeOf = (r: Reply) => [r.status, r.body.error?.code];

forEachDialect((dialect, open) => {
  describe(`two-factor enrolment over the web API on ${dialect}`, () => {
    it("enrols TOTP from a session held to enrolment: a wrong code, then a right one frees the session", async (t) => {
      const app = await twoFactorWeb(t, await open(t));
      await app.security.twoFactor.setRequirement("example.com", { required: "listed", accounts: [ALICE], graceDays: 1 }, admin);
      app.clock.advance(24 * 3_600_000);
      const web = app.browser();
      const login = await web.login(ALICE, PASSWORD);
      assert.equal((login.body.session as { restriction: string }).restriction, "enrol_second_factor_only");
      assert.deepEqual(codeOf(await web.call("GET", "/api/v1/sessions")), [403, "second_factor_enrolment_required"]);
      assert.deepEqual(codeOf(await web.call("POST", "/api/v1/account/two-factor/recovery-codes", { password: PASSWORD })), [403, "second_factor_enrolment_required"]);

      const before = await web.call("GET", "/api/v1/account/two-factor");
      assert.equal(before.status, 200, JSON.stringify(before.body));
      assert.deepEqual([before.body.enabled, before.body.totp, before.body.required, before.body.methods], [false, "off", true, []]);
      assert.match(String(before.body.enrolBy), /^\d{4}-\d\d-\d\dT/);

      // The CSRF header is needed on the new routes too.
      assert.deepEqual(codeOf(await web.call("POST", "/api/v1/account/two-factor/totp", undefined, { "x-moat-csrf": "forged" })), [403, "csrf_token_invalid"]);
      const started = await web.call("POST", "/api/v1/account/two-factor/totp");
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const secret = String(started.body.secret);
      assert.match(String(started.body.uri), /^otpauth:\/\/totp\/Moat:alice%40example\.com\?.*secret=/);
      assert.match(String(started.body.qrSvg), /^<svg[\s\S]*<\/svg>\s*$/);
      assert.match(String(started.body.qrDataUrl), /^data:image\/png;base64,/);
      assert.equal((await web.call("GET", "/api/v1/account/two-factor")).body.totp, "pending");

      const code = totpCode(secret, app.clock.now());
      const wrong = await web.call("POST", "/api/v1/account/two-factor/totp/confirm", { code: otherCode(code) });
      assert.deepEqual(codeOf(wrong), [400, "invalid_second_factor"]);
      assert.deepEqual(codeOf(await web.call("GET", "/api/v1/sessions")), [403, "second_factor_enrolment_required"], "still held");
      const confirmed = await web.call("POST", "/api/v1/account/two-factor/totp/confirm", { code });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      const recoveryCodes = confirmed.body.recoveryCodes as string[];
      assert.equal(recoveryCodes.length, 10);
      assert.equal((await web.call("GET", "/api/v1/sessions")).status, 200, "the session is full now");
      const after = await web.call("GET", "/api/v1/account/two-factor");
      assert.deepEqual([after.body.enabled, after.body.totp, after.body.recoveryCodesLeft, after.body.methods, after.body.enrolBy], [true, "on", 10, ["totp", "recovery"], null]);

      // Replacing the authenticator app, now that there is one, needs a fresh proof.
      assert.deepEqual(codeOf(await web.call("POST", "/api/v1/account/two-factor/totp")), [400, "invalid_second_factor"]);
      assert.equal((await web.call("POST", "/api/v1/account/two-factor/totp", { password: PASSWORD })).status, 201);

      // The domain requires a second factor: the last one stays (the message says why).
      const last = await web.call("DELETE", "/api/v1/account/two-factor/totp", { password: PASSWORD });
      assert.deepEqual(codeOf(last), [400, "invalid_input"]);
      assert.match(String(last.body.error?.message), /requires two-factor login/);
      await app.security.twoFactor.setRequirement("example.com", { required: "off" }, admin);
      // Removing it: no proof, a wrong password, then the right one.
      assert.deepEqual(codeOf(await web.call("DELETE", "/api/v1/account/two-factor/totp", {})), [400, "invalid_second_factor"]);
      assert.deepEqual(codeOf(await web.call("DELETE", "/api/v1/account/two-factor/totp", { password: "not it" })), [400, "wrong_password"]);
      assert.equal((await web.call("GET", "/api/v1/account/two-factor")).body.totp, "on");
      assert.deepEqual((await web.call("DELETE", "/api/v1/account/two-factor/totp", { password: PASSWORD })).body, { removed: true });
      assert.equal((await web.call("GET", "/api/v1/account/two-factor")).body.enabled, false);
      const actions = (await app.security.audit.list({ limit: 10 })).map((e) => e.action).filter((a) => a.startsWith("2fa.totp"));
      assert.deepEqual(actions.slice(0, 2), ["2fa.totp.remove", "2fa.totp.enrol"]);
    });

    it("registers a passkey through the routes, logs in with it, and removes it with a passkey proof", async (t) => {
      const app = await twoFactorWeb(t, await open(t));
      const web = app.browser();
      assert.equal((await web.login(ALICE, PASSWORD)).status, 200);
      const key = new SoftAuthenticator(testOrigin, "mail.example.com");
      const options = await web.call("POST", "/api/v1/account/two-factor/passkeys/options");
      assert.equal(options.status, 200, JSON.stringify(options.body));
      assert.equal((options.body.rp as { id: string }).id, "mail.example.com");
      const response = key.register(options.body as { challenge: string; rp: { id?: string } });
      assert.deepEqual(codeOf(await web.call("POST", "/api/v1/account/two-factor/passkeys", { response, name: "" })), [400, "invalid_input"]);
      // The failed attempt did not reach the ceremony: the same answer still registers.
      const added = await web.call("POST", "/api/v1/account/two-factor/passkeys", { response, name: "YubiKey" });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.deepEqual([(added.body.passkey as { name: string }).name, (added.body.recoveryCodes as string[]).length], ["YubiKey", 10]);

      // A second passkey needs a fresh proof now.
      assert.deepEqual(codeOf(await web.call("POST", "/api/v1/account/two-factor/passkeys/options", {})), [400, "invalid_second_factor"]);

      const other = app.browser();
      const pending = await passwordStep(other);
      assert.deepEqual(pending.methods, ["webauthn", "recovery"]);
      const login = await secondStep(other, pending.ticket, { kind: "webauthn", response: key.authenticate(pending.webauthn!) });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal((login.body.session as { secondFactor: string }).secondFactor, "webauthn");

      assert.deepEqual(codeOf(await other.call("DELETE", "/api/v1/account/two-factor/passkeys/YubiKey", {})), [400, "invalid_second_factor"]);
      const proofOptions = await other.call("POST", "/api/v1/account/two-factor/proof-options");
      assert.deepEqual(proofOptions.body.methods, ["webauthn", "recovery"]);
      const assertion = key.authenticate((proofOptions.body as { webauthn: { challenge: string; rpId?: string } }).webauthn);
      const removed = await other.call("DELETE", "/api/v1/account/two-factor/passkeys/YubiKey", { secondFactor: { kind: "webauthn", response: assertion } });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.equal((removed.body.removed as { name: string }).name, "YubiKey");
      assert.deepEqual((await other.call("GET", "/api/v1/account/two-factor")).body.passkeys, []);
    });

    it("regenerates recovery codes only with a fresh proof; the old codes stop working", async (t) => {
      const app = await twoFactorWeb(t, await open(t));
      const { secret, recoveryCodes } = await enrolTotp(app);
      const web = app.browser();
      const pending = await passwordStep(web);
      assert.equal((await secondStep(web, pending.ticket, { kind: "totp", code: totpCode(secret, app.clock.now()) })).status, 200);
      const regenerate = (body: unknown) => web.call("POST", "/api/v1/account/two-factor/recovery-codes", body);

      assert.deepEqual(codeOf(await regenerate({})), [400, "invalid_second_factor"]);
      assert.deepEqual(codeOf(await regenerate({ password: "not it" })), [400, "wrong_password"]);
      assert.deepEqual(codeOf(await regenerate({ secondFactor: { kind: "totp", code: totpCode(secret, app.clock.now()) } })), [400, "invalid_second_factor"], "the login's code was used");
      const fresh = await regenerate({ secondFactor: { kind: "recovery", code: recoveryCodes[0] } });
      assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      const newCodes = fresh.body.recoveryCodes as string[];
      assert.equal(newCodes.length, 10);
      assert.deepEqual(codeOf(await regenerate({ secondFactor: { kind: "recovery", code: recoveryCodes[1] } })), [400, "invalid_second_factor"], "the old codes are void");
      assert.equal((await regenerate({ secondFactor: { kind: "recovery", code: newCodes[0] } })).status, 201);
      assert.equal((await regenerate({ password: PASSWORD })).status, 201);
      assert.equal((await app.security.audit.list({ limit: 1 }))[0]?.action, "2fa.recovery.regenerate");
    });

    it("sends the SMS code for a live ticket only, answers alike either way, and the code completes the login", async (t) => {
      const app = await twoFactorWeb(t, await open(t));
      await enrolTotp(app);
      const sms = (browser: Browser, body: unknown, headers: Record<string, string> = {}) => browser.call("POST", "/api/v1/session/sms-code", body, headers);

      // No bound phone: "sms" is not offered, and asking sends nothing.
      const web = app.browser();
      const noPhone = await passwordStep(web);
      assert.deepEqual(noPhone.methods, ["totp", "recovery"]);
      const refused = await sms(web, { address: ALICE, ticket: noPhone.ticket });
      assert.equal(refused.status, 202);

      await app.store.phones.put({ userId: app.alice.id, number: NUMBER, verifiedAt: app.clock.now() });
      const pending = await passwordStep(web);
      assert.deepEqual(pending.methods, ["totp", "sms", "recovery"]);
      for (const body of [{ address: ALICE, ticket: "not-a-ticket" }, { address: "ghost@example.com", ticket: pending.ticket }]) {
        assert.deepEqual(await sms(web, body), refused, JSON.stringify(body));
      }
      assert.equal(await app.sentTo(NUMBER), 0);
      assert.deepEqual(codeOf(await sms(web, { address: ALICE })), [400, "invalid_input"]);

      const sent = await sms(web, { address: ALICE, ticket: pending.ticket });
      assert.deepEqual(sent, refused, "the same answer when a code went");
      assert.equal(await app.sentTo(NUMBER), 1);
      const code = (await app.lastCode(NUMBER))!;
      assert.deepEqual(codeOf(await secondStep(web, pending.ticket, { kind: "sms", code: otherCode(code) })), [401, "second_factor_invalid"]);
      const login = await secondStep(web, pending.ticket, { kind: "sms", code });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal((login.body.session as { secondFactor: string }).secondFactor, "sms");
      const [record] = await app.store.loginRecords.list({ limit: 1 });
      assert.equal(record?.method, "WEB SECOND FACTOR + SMS code");

      // A ticket is bound to its client address: asked from elsewhere, nothing goes (and the ticket is void).
      const elsewhere = app.browser();
      const theirs = await passwordStep(elsewhere);
      assert.deepEqual(await sms(app.browser(), { address: ALICE, ticket: theirs.ticket }, { "x-forwarded-for": "203.0.113.50", "x-forwarded-proto": "https" }), refused);
      assert.equal(await app.sentTo(NUMBER), 1);
      // Over plain HTTP off loopback the ticket is not taken.
      assert.deepEqual(codeOf(await sms(app.browser(), { address: ALICE, ticket: theirs.ticket }, { "x-forwarded-for": "203.0.113.50", "x-forwarded-proto": "http" })), [403, "tls_required"]);
    });
  });
});
