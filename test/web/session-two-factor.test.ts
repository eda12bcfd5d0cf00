// The two steps of a web login with TOTP through POST /api/v1/session (decision 0013) on
// SQLite and PostgreSQL: the password answers 401 second_factor_required with a ticket and no
// cookie; the ticket and a right code make the session (which records the factor); a wrong
// code is second_factor_invalid; "remember this browser" sets a cookie for the login route
// only, and that browser's next login needs the password alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { totpCode } from "../../src/core/auth/two-factor/totp.js";
import { enrolTotp } from "../core/two-factor-setup.js";
import { forEachDialect } from "../support/stores.js";
import { PASSWORD, admin, webApp, type Browser } from "./web-setup.js";

interface Pending {
  ticket: string;
  expiresAt: number;
  methods: string[];
}

async function firstStep(browser: Browser): Promise<Pending> {
  const reply = await browser.login("alice@example.com", PASSWORD);
  assert.equal(reply.status, 401, JSON.stringify(reply.body));
  assert.equal(reply.body.error?.code, "second_factor_required");
  assert.deepEqual(reply.setCookies, [], "no session before the second factor");
  return reply.body.error?.pending as Pending;
}

forEachDialect((dialect, open) => {
  describe(`web login with TOTP on ${dialect}`, () => {
    it("asks for the second factor, then opens the session with a right code and remembers the browser", async (t) => {
      const app = await webApp(t, await open(t));
      const { secret } = await enrolTotp(app);
      const browser = app.browser();
      const pending = await firstStep(browser);
      assert.ok(pending.methods.includes("totp"), pending.methods.join());

      const wrongCode = String((Number(totpCode(secret, app.clock.now())) + 1) % 1_000_000).padStart(6, "0");
      const wrong = await browser.call("POST", "/api/v1/session", { address: "alice@example.com", ticket: pending.ticket, proof: { kind: "totp", code: wrongCode } });
      assert.deepEqual([wrong.status, wrong.body.error?.code], [401, "second_factor_invalid"]);

      const again = await firstStep(browser);
      const proof = { kind: "totp", code: totpCode(secret, app.clock.now()) };
      const ok = await browser.call("POST", "/api/v1/session", { address: "alice@example.com", ticket: again.ticket, proof, rememberBrowser: true });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((ok.body.session as { secondFactor: string }).secondFactor, "totp");
      const remember = ok.setCookies.find((c) => c.startsWith("moat_remember="));
      assert.ok(remember, "the remember-browser cookie is set");
      const attributes = remember.split(";").map((a) => a.trim().toLowerCase());
      for (const flag of ["httponly", "samesite=strict", "path=/api/v1/session"]) assert.ok(attributes.includes(flag), `${flag} in ${remember}`);
      browser.csrf = String(ok.body.csrfToken);
      const listed = await browser.call("GET", "/api/v1/sessions");
      assert.equal((listed.body.sessions as Array<{ secondFactor: string }>)[0]?.secondFactor, "totp");

      // The same code cannot open a second session (a code is accepted once).
      const replay = await app.browser().call("POST", "/api/v1/session", { address: "alice@example.com", ticket: (await firstStep(app.browser())).ticket, proof });
      assert.equal(replay.status, 401);

      // The remembered browser logs in with the password alone; another browser still needs the code.
      browser.cookies.delete("moat_session");
      const next = await browser.login("alice@example.com", PASSWORD);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      await firstStep(app.browser());

      // With two-factor login, a client security password needs the second factor as well as the password.
      browser.csrf = String(next.body.csrfToken);
      const noFactor = await browser.call("POST", "/api/v1/account/app-passwords", { password: PASSWORD, name: "Phone" });
      assert.deepEqual([noFactor.status, noFactor.body.error?.code], [400, "invalid_second_factor"]);
      app.clock.advance(30_000);
      const secondFactor = { kind: "totp", code: totpCode(secret, app.clock.now()) };
      const created = await browser.call("POST", "/api/v1/account/app-passwords", { password: PASSWORD, name: "Phone", secondFactor });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });

    it("after the domain's grace period, a login without a second factor gets a session that may only enrol one", async (t) => {
      const app = await webApp(t, await open(t));
      await app.security.twoFactor.setRequirement("example.com", { required: "listed", accounts: ["alice@example.com"], graceDays: 1 }, admin);
      app.clock.advance(24 * 3_600_000);
      const browser = app.browser();
      const login = await browser.login("alice@example.com", PASSWORD);
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal((login.body.session as { restriction: string }).restriction, "enrol_second_factor_only");
      const refused = await browser.call("GET", "/api/v1/sessions");
      assert.deepEqual([refused.status, refused.body.error?.code], [403, "second_factor_enrolment_required"]);
      assert.equal((await browser.call("GET", "/api/v1/session")).status, 200, "it may see itself");
      // Enrolment done (the enrolment route tells the web sessions): the session is free.
      await enrolTotp(app);
      await app.webSessions.secondFactorEnrolled(app.alice.id);
      assert.equal((await browser.call("GET", "/api/v1/sessions")).status, 200);
    });
  });
});
