// The bound phone over the web API (issue 6, item 6) against the real HTTP server on port 0,
// on SQLite and PostgreSQL, codes read from the log sender's outbox:
//   - /api/v1/account/phone: bind with a code, change with the password and the old number's
//     code, remove with the password;
//   - /api/v1/password-reset/start|finish: the same 202 whatever the address, every policy
//     reason at once, and a reset password that logs in.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { WebSessionService } from "../../src/core/auth/web-sessions.js";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import type { Store } from "../../src/core/ports/store.js";
import { CidrSet } from "../../src/shared/ip.js";
import { registerWebRoutes } from "../../src/web/routes/index.js";
import { startHttpServer } from "../../src/web/server.js";
import { admin, PASSWORD } from "../core/login-security-setup.js";
import { phoneCore } from "../core/phone-setup.js";
import { forEachDialect } from "../support/stores.js";
import { Browser } from "./web-setup.js";

const NUMBER = "+4915112345678";
const NEW_NUMBER = "+14155550100";
const NEW_PASSWORD = "Vq7#mZ2!rT9xLp4k-river";

async function phoneWeb(t: TestContext, store: Store) {
  const core = await phoneCore(t, store);
  const webSessions = new WebSessionService(store, core.clock, core.accounts, core.security.audit, createPasswordHasher(4));
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    trustedProxies: CidrSet.parse(["127.0.0.1"]),
    closeGraceMs: 0,
    routes: (app) =>
      registerWebRoutes(app, { authenticate: core.authenticate, webSessions, appPasswords: core.security.appPasswords, passwordReset: core.reset, phones: core.phones }),
  });
  t.after(() => server.close());
  return { ...core, browser: () => new Browser(server.port, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") };
}

forEachDialect((dialect, open) => {
  describe(`bound phone over the web API on ${dialect}`, () => {
    it("a user binds, changes and removes their phone", async (t) => {
      const store = await open(t);
      const core = await phoneWeb(t, store);
      const web = core.browser();
      assert.equal((await web.call("GET", "/api/v1/account/phone")).status, 401);
      assert.equal((await web.login(core.alice.address, PASSWORD)).status, 200);
      assert.deepEqual((await web.call("GET", "/api/v1/account/phone")).body, { number: null, verifiedAt: null });
      assert.equal((await web.call("POST", "/api/v1/account/phone", { number: "12345" })).body.error?.code, "invalid_input");
      assert.deepEqual(await web.call("POST", "/api/v1/account/phone", { number: "+49 151 12345678" }).then((r) => [r.status, r.body]), [202, { sentTo: NUMBER }]);
      const bound = await web.call("POST", "/api/v1/account/phone/confirm", { code: (await core.lastCode(NUMBER))! });
      assert.equal(bound.body.number, NUMBER, JSON.stringify(bound.body));

      assert.equal((await web.call("POST", "/api/v1/account/phone/change", { password: "wrong password", number: NEW_NUMBER })).body.error?.code, "wrong_password");
      assert.deepEqual((await web.call("POST", "/api/v1/account/phone/change", { password: PASSWORD, number: NEW_NUMBER })).body, { sentTo: NUMBER });
      assert.deepEqual((await web.call("POST", "/api/v1/account/phone/confirm-old", { code: (await core.lastCode(NUMBER))! })).body, { sentTo: NEW_NUMBER });
      assert.equal((await web.call("POST", "/api/v1/account/phone/confirm", { code: (await core.lastCode(NEW_NUMBER))! })).body.number, NEW_NUMBER);

      assert.equal((await web.call("DELETE", "/api/v1/account/phone", { password: "wrong password" })).status, 400);
      assert.deepEqual((await web.call("DELETE", "/api/v1/account/phone", { password: PASSWORD })).body, { removed: NEW_NUMBER });
      assert.equal(await core.phones.hasBoundPhone(core.alice.id), false);
    });
  });

  describe(`password reset over the web API on ${dialect}`, () => {
    it("start answers alike for every address; finish checks the code and the policy, then the new password logs in", async (t) => {
      const store = await open(t);
      const core = await phoneWeb(t, store);
      const web = core.browser();
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) => web.call("POST", path, body, headers);
      await core.security.settings.updateDomain("example.com", { passwordPolicy: "on" }, admin);
      await store.phones.put({ userId: core.alice.id, number: NUMBER, verifiedAt: core.clock.now() });

      const known = await post("/api/v1/password-reset/start", { address: core.alice.address });
      const unknown = await post("/api/v1/password-reset/start", { address: "ghost@example.com" });
      assert.equal(known.status, 202);
      assert.deepEqual(unknown, known);
      assert.equal((await post("/api/v1/password-reset/start", {})).body.error?.code, "invalid_input");
      await core.reset.idle();
      const code = (await core.lastCode(NUMBER))!;

      const wrong = await post("/api/v1/password-reset/finish", { address: core.alice.address, code: code === "111111" ? "222222" : "111111", password: NEW_PASSWORD });
      assert.deepEqual([wrong.status, wrong.body.error?.code], [400, "code_invalid"]);
      const weak = await post("/api/v1/password-reset/finish", { address: core.alice.address, code, password: "alice123" });
      assert.deepEqual([weak.status, weak.body.error?.code], [400, "invalid_password"]);
      assert.ok((weak.body.error?.reasons ?? []).length >= 3, JSON.stringify(weak.body));
      const insecure = await post("/api/v1/password-reset/finish", { address: core.alice.address, code, password: NEW_PASSWORD }, { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "http" });
      assert.deepEqual([insecure.status, insecure.body.error?.code], [403, "tls_required"]);
      const done = await post("/api/v1/password-reset/finish", { address: core.alice.address, code, password: NEW_PASSWORD });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.revokedAppPasswords, 0);
      const login = await post("/api/v1/session", { address: core.alice.address, password: NEW_PASSWORD });
      assert.equal(login.status, 200, JSON.stringify(login.body));
    });
  });
});
