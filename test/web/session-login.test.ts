// POST/GET/DELETE /api/v1/session over real HTTP on SQLite and PostgreSQL: a login sets an
// HttpOnly, SameSite=Strict, Secure cookie; a wrong password and an unknown account answer
// alike; unsafe requests need the CSRF header; sessions end when idle and at their absolute
// lifetime (fake clock); a password is never taken over plain HTTP.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { PASSWORD, webApp } from "./web-setup.js";

const minute = 60_000;
const hour = 60 * minute;

forEachDialect((dialect, open) => {
  describe(`web login on ${dialect}`, () => {
    it("logs in with the right password: 200 with the account, a full session and a CSRF token, in a locked-down cookie", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = app.browser();
      const reply = await browser.login("alice@example.com", PASSWORD);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.account, { address: "alice@example.com", displayName: "", role: "user" });
      assert.equal((reply.body.session as { restriction: string }).restriction, "full");
      assert.match(String(reply.body.csrfToken), /^[A-Za-z0-9_-]{43}$/);
      const cookie = reply.setCookies.find((c) => c.startsWith("moat_session="));
      assert.ok(cookie, "a session cookie is set");
      const attributes = cookie.split(";").map((a) => a.trim().toLowerCase());
      for (const flag of ["httponly", "samesite=strict", "secure", "path=/"]) assert.ok(attributes.includes(flag), `${flag} in ${cookie}`);
      assert.ok(attributes.some((a) => a.startsWith("expires=")), "the cookie lives as long as the session may");
      // Only the token's SHA-256 is stored.
      const token = browser.cookies.get("moat_session")!;
      const [row] = await app.store.webSessions.listForUser(app.alice.id);
      assert.equal(await app.store.webSessions.findByTokenHash(token), undefined);
      assert.equal((await app.store.webSessions.findByTokenHash(createHash("sha256").update(token).digest("hex")))?.id, row?.id);
      const me = await browser.call("GET", "/api/v1/session");
      assert.equal(me.status, 200);
      assert.equal(me.body.csrfToken, reply.body.csrfToken, "a reloaded page gets its CSRF token back");
      const records = await app.store.loginRecords.list({ limit: 1 });
      assert.deepEqual([records[0]?.channel, records[0]?.reason, records[0]?.method], ["web", "ok", "WEB PASSWORD"]);
      // Logging in again from the same browser replaces its session instead of leaving one behind.
      assert.equal((await browser.login("alice@example.com", PASSWORD)).status, 200);
      const after = await app.store.webSessions.listForUser(app.alice.id);
      assert.equal(after.length, 1);
      assert.notEqual(after[0]?.id, row?.id);
    });

    it("answers a wrong password and an unknown account exactly alike, with no cookie", async (t) => {
      const app = await webApp(t, await open(t));
      const wrong = await app.browser().login("alice@example.com", "not the password");
      const unknown = await app.browser().login("nobody@example.com", "not the password");
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.body, { error: { code: "invalid_credentials", message: "Authentication failed" } });
      assert.deepEqual([unknown.status, unknown.body], [wrong.status, wrong.body]);
      assert.deepEqual([wrong.setCookies, unknown.setCookies], [[], []]);
      assert.deepEqual(await app.reasons(), ["invalid_credentials", "unknown_account"], "the login record keeps the exact reason");
    });

    it("refuses a malformed login body with 400 invalid_input, and a password over plain HTTP with 403 tls_required", async (t) => {
      const app = await webApp(t, await open(t));
      const bad = await app.browser().call("POST", "/api/v1/session", { address: "alice@example.com" });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.code, "invalid_input");
      // A client behind the (trusted) proxy that reached it over http.
      const plain = await app.browser().login("alice@example.com", PASSWORD, { "x-forwarded-for": "203.0.113.9" });
      assert.deepEqual([plain.status, plain.body.error?.code], [403, "tls_required"]);
      const tls = await app.browser().login("alice@example.com", PASSWORD, { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" });
      assert.equal(tls.status, 200);
      const [session] = await app.webSessions.list(app.alice.id);
      assert.equal(session?.ip, "203.0.113.9", "the session keeps the client's address, not the proxy's");
    });

    it("needs a session cookie for signed-in routes (401 unauthorized)", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = app.browser();
      assert.deepEqual([(await browser.call("GET", "/api/v1/session")).status, (await browser.call("GET", "/api/v1/sessions")).body.error?.code], [401, "unauthorized"]);
      browser.cookies.set("moat_session", "forged-token");
      assert.equal((await browser.call("GET", "/api/v1/sessions")).status, 401);
    });

    it("refuses an unsafe request without the right X-Moat-CSRF header (403 csrf_token_invalid), then logs out with it", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = app.browser();
      await browser.login("alice@example.com", PASSWORD);
      const csrf = browser.csrf;
      browser.csrf = "";
      const missing = await browser.call("DELETE", "/api/v1/session");
      assert.deepEqual([missing.status, missing.body.error?.code], [403, "csrf_token_invalid"]);
      const wrong = await browser.call("POST", "/api/v1/sessions/revoke-others", undefined, { "x-moat-csrf": csrf.replace(/^./, (c) => (c === "A" ? "B" : "A")) });
      assert.deepEqual([wrong.status, wrong.body.error?.code], [403, "csrf_token_invalid"]);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 200, "the refused calls changed nothing");
      const token = browser.cookies.get("moat_session")!;
      browser.csrf = csrf;
      const out = await browser.call("DELETE", "/api/v1/session");
      assert.equal(out.status, 204);
      assert.ok(out.setCookies.some((c) => c.startsWith("moat_session=;")), "the cookie is cleared");
      browser.cookies.set("moat_session", token);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 401, "the logged-out token is dead on the server");
      assert.deepEqual(await app.store.webSessions.listForUser(app.alice.id), []);
    });

    it("ends a session idle for 12 hours, and updates last seen at most once a minute", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = app.browser();
      await browser.login("alice@example.com", PASSWORD);
      const loginAt = app.clock.now();
      app.clock.advance(30_000);
      await browser.call("GET", "/api/v1/session");
      assert.equal((await app.store.webSessions.listForUser(app.alice.id))[0]?.lastSeenAt, loginAt, "not written within the minute");
      app.clock.advance(31_000);
      await browser.call("GET", "/api/v1/session");
      assert.equal((await app.store.webSessions.listForUser(app.alice.id))[0]?.lastSeenAt, loginAt + 61_000);
      app.clock.advance(12 * hour - 1);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 200, "just inside the idle timeout");
      app.clock.advance(12 * hour);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 401);
      assert.deepEqual(await app.store.webSessions.listForUser(app.alice.id), [], "the expired session is deleted");
    });

    it("ends an active session at its absolute lifetime (14 days), and both limits are settings", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = app.browser();
      await browser.login("alice@example.com", PASSWORD);
      for (let elapsed = 0; elapsed < 14 * 24 * hour - 11 * hour; elapsed += 11 * hour) {
        app.clock.advance(11 * hour);
        assert.equal((await browser.call("GET", "/api/v1/session")).status, 200, `after ${elapsed / hour + 11} h`);
      }
      app.clock.advance(11 * hour);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 401);

      const short = await webApp(t, await open(t), { sessions: { idleMs: 10 * minute, absoluteMs: hour } });
      const other = short.browser();
      await other.login("alice@example.com", PASSWORD);
      short.clock.advance(10 * minute);
      assert.equal((await other.call("GET", "/api/v1/session")).status, 401);
    });
  });
});
