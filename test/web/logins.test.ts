// GET /api/v1/logins and /api/v1/admin/logins over real HTTP on SQLite and PostgreSQL (issue 8
// item 1, decision 0024): a user reads only their own records, with the filters of `moat
// logins` as query parameters and a next page; a domain admin reads their domain's and gets
// 404 for another; a plain user gets 404 from the admin route; an install admin reads any;
// bad filters are 400 invalid_input naming the parameter; no session is 401.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { WebSessionService } from "../../src/core/auth/web-sessions.js";
import type { Store } from "../../src/core/ports/store.js";
import { LoginRecordService } from "../../src/core/security/login-records.js";
import { CidrSet } from "../../src/shared/ip.js";
import { registerWebRoutes } from "../../src/web/routes/index.js";
import { startHttpServer } from "../../src/web/server.js";
import { securityCore } from "../core/login-security-setup.js";
import { forEachDialect } from "../support/stores.js";
import { Browser, firefox, PASSWORD } from "./web-setup.js";

const geoip = createGeoLite2();

async function loginsApp(t: TestContext, store: Store) {
  const passwords = createPasswordHasher(4);
  const core = await securityCore(t, store, { passwords, geoip });
  const webSessions = new WebSessionService(store, core.clock, core.accounts, core.security.audit, passwords);
  const logins = new LoginRecordService(store, core.clock, 180);
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    trustedProxies: CidrSet.parse(["127.0.0.1"]),
    closeGraceMs: 0,
    routes: (app) => registerWebRoutes(app, { authenticate: core.authenticate, webSessions, appPasswords: core.security.appPasswords, logins }),
  });
  t.after(() => server.close());
  const signedIn = async (address: string) => {
    const browser = new Browser(server.port, firefox);
    assert.equal((await browser.login(address, PASSWORD)).status, 200);
    return browser;
  };
  return { ...core, port: server.port, signedIn };
}

type Listed = { logins: Array<Record<string, unknown>>; nextBefore: number | null };

forEachDialect((dialect, open) => {
  describe(`login records over the web API on ${dialect}`, () => {
    it("a user reads their own records, filtered and paged; an admin route is closed to them", async (t) => {
      const app = await loginsApp(t, await open(t));
      await app.accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      const imap = (name: string, password: string, ip: string) => app.authenticate("imap", name, password, { ip, secure: true, method: "IMAP LOGIN" });
      await imap("alice@example.com", PASSWORD, "41.58.0.1");
      await imap("alice@example.com", "wrong", "81.2.69.160");
      await imap("bob@example.com", PASSWORD, "8.8.8.8");
      const alice = await app.signedIn("alice@example.com");

      const all = (await alice.call("GET", "/api/v1/logins")).body as unknown as Listed;
      assert.deepEqual(all.logins.map((r) => [r.address, r.channel, r.ip, r.country, r.result]), [
        ["alice@example.com", "web", "127.0.0.1", null, "success"],
        ["alice@example.com", "imap", "81.2.69.160", "GB", "failure"],
        ["alice@example.com", "imap", "41.58.0.1", "NG", "success"],
      ]);
      assert.deepEqual([all.logins[2]?.city, all.logins[2]?.asn], ["Lagos", null], "this app has no ASN table: no AS, the place still");
      assert.equal(all.nextBefore, null);
      const ng = (await alice.call("GET", "/api/v1/logins?country=ng&ip=41.58.0.0/16&result=success&since=1h")).body as unknown as Listed;
      assert.deepEqual(ng.logins.map((r) => r.ip), ["41.58.0.1"]);
      const first = (await alice.call("GET", "/api/v1/logins?limit=2")).body as unknown as Listed;
      assert.equal(first.nextBefore, first.logins[1]?.id);
      const rest = (await alice.call("GET", `/api/v1/logins?limit=2&before=${String(first.nextBefore)}`)).body as unknown as Listed;
      assert.deepEqual(rest.logins.map((r) => r.ip), ["41.58.0.1"]);

      const bad = await alice.call("GET", "/api/v1/logins?ip=41.58.0.0/99");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.code, "invalid_input");
      assert.match(bad.body.error!.message, /^ip: /);
      assert.equal((await alice.call("GET", "/api/v1/logins?color=red")).status, 400, "unknown parameters are refused");
      assert.equal((await alice.call("GET", "/api/v1/admin/logins")).status, 404, "a plain user administers no domain");
      assert.equal((await new Browser(app.port, firefox).call("GET", "/api/v1/logins")).status, 401);
    });

    it("a domain admin reads their domain's records and no other's; an install admin reads any", async (t) => {
      const app = await loginsApp(t, await open(t));
      await app.accounts.addDomain("example.org");
      await app.accounts.addUser({ address: "dana@example.com", password: PASSWORD, role: "domain_admin" });
      await app.accounts.addUser({ address: "root@example.org", password: PASSWORD, role: "admin" });
      await app.accounts.addUser({ address: "olga@example.org", password: PASSWORD });
      await app.authenticate("pop3", "alice@example.com", PASSWORD, { ip: "193.0.0.1", secure: true, method: "POP3 USER/PASS" });
      await app.authenticate("pop3", "olga@example.org", PASSWORD, { ip: "8.8.8.8", secure: true, method: "POP3 USER/PASS" });
      const dana = await app.signedIn("dana@example.com");
      const who = async (browser: Browser, path: string) => ((await browser.call("GET", path)).body as unknown as Listed).logins.map((r) => `${String(r.address)} ${String(r.channel)}`);
      assert.deepEqual(await who(dana, "/api/v1/admin/logins"), ["dana@example.com web", "alice@example.com pop3"]);
      assert.deepEqual(await who(dana, "/api/v1/admin/logins?domain=example.com&country=NL"), ["alice@example.com pop3"]);
      const other = await dana.call("GET", "/api/v1/admin/logins?domain=example.org");
      assert.equal(other.status, 404);
      assert.equal(other.body.error?.code, "domain_not_found");
      const root = await app.signedIn("root@example.org");
      assert.deepEqual(await who(root, "/api/v1/admin/logins?domain=example.org"), ["root@example.org web", "olga@example.org pop3"]);
      assert.deepEqual(await who(root, "/api/v1/admin/logins?result=success&country=us"), ["olga@example.org pop3"]);
    });
  });
});
