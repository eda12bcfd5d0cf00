// GET/PUT /api/v1/account/login-alerts over real HTTP on SQLite and PostgreSQL (issue 8 item 3):
// the signed-in user reads and switches their own alert mails (on by default), the change is in
// the audit log under the user's name and touches no other account; a body that is not
// { mails: boolean } is 400 invalid_input, no session is 401, a write without the CSRF token 403.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { PASSWORD, webApp } from "./web-setup.js";

const path = "/api/v1/account/login-alerts";

forEachDialect((dialect, open) => {
  describe(`the user's login-alert switch over the web API on ${dialect}`, () => {
    it("reads and switches the signed-in user's own alert mails, audited", async (t) => {
      const app = await webApp(t, await open(t));
      await app.accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      const alice = app.browser();
      assert.equal((await alice.login("alice@example.com", PASSWORD)).status, 200);
      assert.deepEqual(await alice.call("GET", path).then((r) => [r.status, r.body]), [200, { mails: true }], "on by default");

      assert.deepEqual(await alice.call("PUT", path, { mails: false }).then((r) => [r.status, r.body]), [200, { mails: false }]);
      assert.deepEqual((await alice.call("GET", path)).body, { mails: false });
      assert.equal((await app.security.settings.forAccount("bob@example.com")).settings.loginAlertMails, true, "another account is untouched");
      const [entry] = await app.security.audit.list({ limit: 1, target: "alice@example.com" });
      assert.equal(entry?.action, "user.login_settings");
      assert.equal(entry?.actor, "user:alice@example.com");
      assert.deepEqual([(entry?.before as { loginAlertMails: boolean }).loginAlertMails, (entry?.after as { loginAlertMails: boolean }).loginAlertMails], [true, false]);

      assert.deepEqual((await alice.call("PUT", path, { mails: true })).body, { mails: true });
      assert.deepEqual((await alice.call("GET", path)).body, { mails: true });
    });

    it("refuses a bad body, no session, and a write without the CSRF token", async (t) => {
      const app = await webApp(t, await open(t));
      const alice = app.browser();
      assert.equal((await alice.login("alice@example.com", PASSWORD)).status, 200);
      for (const body of [{ mails: "off" }, {}, { mails: false, extra: 1 }, [false]]) {
        const reply = await alice.call("PUT", path, body);
        assert.deepEqual([reply.status, reply.body.error?.code], [400, "invalid_input"], JSON.stringify(body));
      }
      assert.equal((await app.browser().call("GET", path)).status, 401);
      assert.equal((await app.browser().call("PUT", path, { mails: false })).status, 401);
      const forged = await alice.call("PUT", path, { mails: false }, { "x-moat-csrf": "not-the-token" });
      assert.deepEqual([forged.status, forged.body.error?.code], [403, "csrf_token_invalid"]);
      assert.deepEqual((await alice.call("GET", path)).body, { mails: true }, "nothing changed");
    });
  });
});
