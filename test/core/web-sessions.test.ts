// Web sessions in core (issue 6 item 7) on SQLite and PostgreSQL: the browser label, the
// untrusted User-Agent kept escaped and short, an admin's revocation audit-logged, a
// suspended account's sessions ended, expired ones pruned, and the restriction moving from a
// password change to second-factor enrolment to full.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { describeUserAgent } from "../../src/core/auth/user-agent.js";
import { WebSessionService } from "../../src/core/auth/web-sessions.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { admin, PASSWORD, securityCore } from "./login-security-setup.js";

const hour = 3_600_000;
const client = { ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36" };

describe("browser label from the User-Agent", () => {
  it("names common browsers and systems, and admits what it does not know", () => {
    const cases: Array<[string, string]> = [
      ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge on Windows"],
      ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"],
      ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36", "Chrome on Android"],
      ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1", "Chrome on iOS"],
      ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"],
      ["Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 OPR/111.0", "Opera on Windows"],
      ["curl/8.5.0", "curl"],
      ["", "Unknown browser"],
    ];
    for (const [ua, label] of cases) assert.equal(describeUserAgent(ua), label, ua);
  });
});

forEachDialect((dialect, open) => {
  describe(`web sessions in core on ${dialect}`, () => {
    async function setup(t: Parameters<typeof securityCore>[0]) {
      const passwords = createPasswordHasher(4);
      const core = await securityCore(t, await open(t), { passwords });
      const sessions = new WebSessionService(core.store, core.clock, core.accounts, core.security.audit, passwords);
      const login = { ok: true as const, userId: core.alice.id, address: core.alice.address };
      return { ...core, sessions, login };
    }

    it("keeps the User-Agent escaped and at most 256 characters", async (t) => {
      const { sessions, login } = await setup(t);
      const started = await sessions.start(login, { ip: "198.51.100.7", userAgent: `evil\r\nX-Injected: 1${"x".repeat(1000)}` });
      assert.ok(!/[\r\n]/.test(started.session.userAgent));
      assert.ok(started.session.userAgent.length <= 257, String(started.session.userAgent.length));
      assert.ok(started.session.userAgent.startsWith("evil\\x0d\\x0aX-Injected"));
    });

    it("an admin lists and revokes a user's sessions, one or all, and each revocation is in the audit log", async (t) => {
      const { sessions, login, store } = await setup(t);
      const a = await sessions.start(login, client);
      await sessions.start(login, client);
      await sessions.start(login, client);
      assert.deepEqual((await sessions.listFor("alice@example.com")).map((s) => s.browser), ["Chrome on Linux", "Chrome on Linux", "Chrome on Linux"]);
      assert.equal(await sessions.revokeFor("alice@example.com", a.session.id, admin), 1);
      assert.equal(await sessions.resolve(a.token, client.ip), undefined);
      await assert.rejects(sessions.revokeFor("alice@example.com", a.session.id, admin), (err) => isMoatError(err, "session_not_found"));
      assert.equal(await sessions.revokeFor("alice@example.com", "all", admin), 2);
      assert.deepEqual(await sessions.listFor("alice@example.com"), []);
      const audit = await store.audit.list({ limit: 10, target: "alice@example.com" });
      assert.deepEqual(
        audit.filter((e) => e.action === "session.revoke").map((e) => [e.actor, e.before]),
        [
          ["cli:tester", { sessions: 2 }],
          ["cli:tester", { sessions: [a.session.id] }],
        ],
      );
    });

    it("a suspended account's session no longer resolves and is deleted", async (t) => {
      const { sessions, login, accounts, store, alice } = await setup(t);
      const started = await sessions.start(login, client);
      await accounts.setStatus("alice@example.com", "suspended");
      assert.equal(await sessions.resolve(started.token, client.ip), undefined);
      assert.deepEqual(await store.webSessions.listForUser(alice.id), []);
    });

    it("prunes sessions past the idle timeout or the absolute lifetime, and only those", async (t) => {
      const { sessions, login, clock } = await setup(t);
      const old = await sessions.start(login, client);
      clock.advance(11 * hour);
      const fresh = await sessions.start(login, client);
      clock.advance(2 * hour);
      assert.equal(await sessions.prune(), 1);
      assert.equal(await sessions.resolve(old.token, client.ip), undefined);
      assert.equal((await sessions.resolve(fresh.token, client.ip))?.session.id, fresh.session.id);
    });

    it("a session that must change its password and enrol a second factor does one, then the other, then is full", async (t) => {
      const { sessions, login } = await setup(t);
      const started = await sessions.start({ ...login, mustChangePassword: "password_expired", mustEnrolSecondFactor: true }, client);
      assert.equal(started.session.restriction, "change_password_only");
      const current = (await sessions.resolve(started.token, client.ip))!;
      const changed = await sessions.changePassword(current, PASSWORD, "another long passphrase");
      assert.deepEqual(changed, { revokedAppPasswords: 0, revokedWebSessions: 0, restriction: "enrol_second_factor_only" });
      await sessions.secondFactorEnrolled(login.userId);
      assert.equal((await sessions.resolve(started.token, client.ip))?.session.restriction, "full");
      const now = (await sessions.resolve(started.token, client.ip))!;
      await assert.rejects(sessions.changePassword(now, "another long passphrase", "another long passphrase"), (err) => isMoatError(err, "invalid_password"));
    });
  });
});
