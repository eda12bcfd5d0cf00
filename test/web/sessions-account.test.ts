// /api/v1/sessions and /api/v1/account over real HTTP on SQLite and PostgreSQL: the session
// list (browser, address, current one), revoking one, all others or all (a revoked cookie
// gets 401), changing the password (other sessions and every client security password end,
// this session stays), the policy's every failing reason at once, the session restricted to
// a password change after an admin's temporary reset, and client security passwords.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { PASSWORD, admin, firefox, safariIphone, webApp, type Browser } from "./web-setup.js";

const imap = { ip: "198.51.100.7", secure: true, method: "IMAP LOGIN" };
const NEW_PASSWORD = "a brand new passphrase 42";

async function loggedIn(browser: Browser, password = PASSWORD): Promise<Browser> {
  const reply = await browser.login("alice@example.com", password);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return browser;
}

forEachDialect((dialect, open) => {
  describe(`web sessions on ${dialect}`, () => {
    it("lists the user's sessions with browser, address and last seen, the current one marked", async (t) => {
      const app = await webApp(t, await open(t));
      const laptop = await loggedIn(app.browser(firefox));
      await loggedIn(app.browser(safariIphone));
      const { body, status } = await laptop.call("GET", "/api/v1/sessions");
      assert.equal(status, 200);
      const sessions = body.sessions as Array<{ id: number; browser: string; ip: string; current: boolean; lastSeenAt: string; userAgent: string }>;
      assert.deepEqual(
        sessions.map((s) => [s.browser, s.ip, s.current]),
        [
          ["Safari on iOS", "127.0.0.1", false],
          ["Firefox on Windows", "127.0.0.1", true],
        ],
      );
      assert.equal(sessions[1]?.lastSeenAt, new Date(app.clock.now()).toISOString());
      assert.equal(sessions[1]?.userAgent, firefox);
    });

    it("revokes one session: its cookie then gets 401, the others keep working; another user's id is 404", async (t) => {
      const app = await webApp(t, await open(t));
      const laptop = await loggedIn(app.browser(firefox));
      const phone = await loggedIn(app.browser(safariIphone));
      const phoneId = ((await phone.call("GET", "/api/v1/session")).body.session as { id: number }).id;
      const revoked = await laptop.call("DELETE", `/api/v1/sessions/${phoneId}`);
      assert.deepEqual([revoked.status, revoked.body], [200, { revoked: 1 }]);
      assert.equal((await phone.call("GET", "/api/v1/session")).status, 401);
      assert.equal((await laptop.call("GET", "/api/v1/session")).status, 200);
      const again = await laptop.call("DELETE", `/api/v1/sessions/${phoneId}`);
      assert.deepEqual([again.status, again.body.error?.code], [404, "session_not_found"]);

      await app.accounts.addUser({ address: "bob@example.com", password: "bob's long password" });
      const bob = app.browser();
      assert.equal((await bob.login("bob@example.com", "bob's long password")).status, 200);
      const bobId = ((await bob.call("GET", "/api/v1/session")).body.session as { id: number }).id;
      const foreign = await laptop.call("DELETE", `/api/v1/sessions/${bobId}`);
      assert.deepEqual([foreign.status, foreign.body.error?.code], [404, "session_not_found"], "a user cannot end someone else's session");
      assert.equal((await bob.call("GET", "/api/v1/session")).status, 200);
      const nonsense = await laptop.call("DELETE", "/api/v1/sessions/not-a-number");
      assert.deepEqual([nonsense.status, nonsense.body.error?.code], [400, "invalid_input"]);
    });

    it("revokes all other sessions, then all of them", async (t) => {
      const app = await webApp(t, await open(t));
      const laptop = await loggedIn(app.browser(firefox));
      const phone = await loggedIn(app.browser(safariIphone));
      const tablet = await loggedIn(app.browser());
      const others = await laptop.call("POST", "/api/v1/sessions/revoke-others");
      assert.deepEqual([others.status, others.body], [200, { revoked: 2 }]);
      assert.deepEqual([(await phone.call("GET", "/api/v1/session")).status, (await tablet.call("GET", "/api/v1/session")).status], [401, 401]);
      assert.equal((await laptop.call("GET", "/api/v1/session")).status, 200);
      await loggedIn(phone);
      const all = await laptop.call("DELETE", "/api/v1/sessions");
      assert.deepEqual([all.status, all.body], [200, { revoked: 2 }]);
      assert.deepEqual([(await laptop.call("GET", "/api/v1/session")).status, (await phone.call("GET", "/api/v1/session")).status], [401, 401]);
    });

    it("a password change ends every other session and every client security password, says how many, and keeps this session", async (t) => {
      const app = await webApp(t, await open(t));
      const laptop = await loggedIn(app.browser(firefox));
      const phone = await loggedIn(app.browser(safariIphone));
      const { secret } = await app.security.appPasswords.create("alice@example.com", "Thunderbird", [], admin);
      assert.equal((await app.authenticate("imap", "alice@example.com", secret, imap)).ok, true);

      const changed = await laptop.call("POST", "/api/v1/account/password", { current: PASSWORD, new: NEW_PASSWORD });
      assert.deepEqual([changed.status, changed.body], [200, { revokedAppPasswords: 1, revokedWebSessions: 1, restriction: "full" }]);
      assert.equal((await phone.call("GET", "/api/v1/session")).status, 401);
      assert.equal((await laptop.call("GET", "/api/v1/sessions")).status, 200, "the session that changed it goes on");
      const old = await app.authenticate("imap", "alice@example.com", secret, imap);
      assert.ok(!old.ok && old.reason === "invalid_credentials", "the client security password is gone");
      assert.equal((await app.browser().login("alice@example.com", PASSWORD)).status, 401);
      assert.equal((await app.browser().login("alice@example.com", NEW_PASSWORD)).status, 200);
      const [audit] = await app.security.audit.list({ limit: 1, target: "alice@example.com" });
      assert.deepEqual([audit?.actor, audit?.action, audit?.before], ["user:alice@example.com", "user.password", { appPasswords: 1, webSessions: 1 }]);
    });

    it("refuses a wrong current password (wrong_password) and lists every reason the new one fails the policy", async (t) => {
      const app = await webApp(t, await open(t));
      await app.security.settings.updateDomain("example.com", { passwordPolicy: "on", passwordMinLength: 16, passwordClasses: 3, passwordMinScore: 3 }, admin);
      const laptop = await loggedIn(app.browser());
      const phone = await loggedIn(app.browser(safariIphone));
      const wrong = await laptop.call("POST", "/api/v1/account/password", { current: "not it at all", new: NEW_PASSWORD });
      assert.deepEqual([wrong.status, wrong.body.error?.code], [400, "wrong_password"]);
      const weak = await laptop.call("POST", "/api/v1/account/password", { current: PASSWORD, new: "alice2024" });
      assert.equal(weak.status, 400);
      assert.equal(weak.body.error?.code, "invalid_password");
      const reasons = weak.body.error?.reasons ?? [];
      assert.ok(reasons.length >= 3, reasons.join(" | "));
      assert.ok(reasons.includes("it must have at least 16 characters"), reasons.join(" | "));
      assert.ok(reasons.some((r) => r.includes("alice")), reasons.join(" | "));
      assert.equal((await phone.call("GET", "/api/v1/session")).status, 200, "a refused change ends nothing");
      assert.equal((await app.browser().login("alice@example.com", PASSWORD)).status, 200, "and changes nothing");
    });

    it("an admin's temporary password gives a session that may only change it, and the reset itself ends every session", async (t) => {
      const app = await webApp(t, await open(t));
      const before = await loggedIn(app.browser());
      const reset = await app.accounts.setPassword("alice@example.com", "temporary-Passw0rd", admin, { temporary: true });
      assert.equal(reset.revokedWebSessions, 1);
      assert.equal((await before.call("GET", "/api/v1/session")).status, 401, "the admin's reset ended the session");

      const browser = app.browser();
      const login = await browser.login("alice@example.com", "temporary-Passw0rd");
      assert.equal(login.status, 200);
      assert.equal(login.body.mustChangePassword, "password_change_required");
      assert.equal((login.body.session as { restriction: string }).restriction, "change_password_only");
      for (const [method, path] of [
        ["GET", "/api/v1/sessions"],
        ["GET", "/api/v1/account/app-passwords"],
        ["POST", "/api/v1/sessions/revoke-others"],
      ] as const) {
        const refused = await browser.call(method, path);
        assert.deepEqual([refused.status, refused.body.error?.code], [403, "password_change_required"], path);
      }
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 200, "it may see itself");
      const changed = await browser.call("POST", "/api/v1/account/password", { current: "temporary-Passw0rd", new: NEW_PASSWORD });
      assert.deepEqual([changed.status, changed.body.restriction], [200, "full"]);
      assert.equal((await browser.call("GET", "/api/v1/sessions")).status, 200, "the session is free now");
      const next = await app.browser().login("alice@example.com", NEW_PASSWORD);
      assert.equal((next.body.session as { restriction: string }).restriction, "full");
    });

    it("client security passwords: listed, created with the main password again (secret shown once), deleted", async (t) => {
      const app = await webApp(t, await open(t));
      const browser = await loggedIn(app.browser());
      const refused = await browser.call("POST", "/api/v1/account/app-passwords", { password: "wrong", name: "Phone" });
      assert.deepEqual([refused.status, refused.body.error?.code], [400, "invalid_password"]);
      const created = await browser.call("POST", "/api/v1/account/app-passwords", { password: PASSWORD, name: "Phone", protocols: ["imap"] });
      assert.equal(created.status, 201);
      const secret = String(created.body.secret);
      assert.match(secret, /^[a-z]{4}( [a-z]{4}){4}$/);
      assert.equal((await app.authenticate("imap", "alice@example.com", secret, imap)).ok, true);
      const listed = await browser.call("GET", "/api/v1/account/app-passwords");
      const list = listed.body.appPasswords as Array<{ name: string; protocols: string[]; lastUsedProtocol: string }>;
      assert.deepEqual(list.map((p) => [p.name, p.protocols, p.lastUsedProtocol]), [["Phone", ["imap"], "imap"]]);
      assert.ok(!JSON.stringify(listed.body).includes(secret.replace(/ /g, "")), "never shown again");
      const bad = await browser.call("POST", "/api/v1/account/app-passwords", { password: PASSWORD, name: "x", protocols: ["ftp"] });
      assert.deepEqual([bad.status, bad.body.error?.code], [400, "invalid_input"]);
      const removed = await browser.call("DELETE", "/api/v1/account/app-passwords/Phone");
      assert.deepEqual([removed.status, removed.body.removed], [200, "Phone"]);
      assert.equal((await app.authenticate("imap", "alice@example.com", secret, imap)).ok, false);
      const [audit] = await app.security.audit.list({ limit: 1, target: "alice@example.com" });
      assert.deepEqual([audit?.actor, audit?.action], ["user:alice@example.com", "apppass.remove"]);
    });
  });
});
