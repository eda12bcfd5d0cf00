// GET /api/v1/login-events, GET /api/v1/admin/login-events and POST
// /api/v1/admin/login-events/ack over real HTTP on SQLite and PostgreSQL (issue 8 items 2 and
// 3): a user reads only their own events, in the JSON of `moat login-events --json`, filtered
// and paged; a domain admin reads and acknowledges their domain's events and gets 404 for
// another domain, whose events they cannot acknowledge; a plain user gets 404 from the admin
// routes; an install admin reads any; bad filters and bodies are 400 naming the parameter; no
// session is 401.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import { WebSessionService } from "../../src/core/auth/web-sessions.js";
import type { Store } from "../../src/core/ports/store.js";
import { LoginEventService } from "../../src/core/security/anomalies/events-service.js";
import { CidrSet } from "../../src/shared/ip.js";
import { registerWebRoutes } from "../../src/web/routes/index.js";
import { startHttpServer } from "../../src/web/server.js";
import { securityCore } from "../core/login-security-setup.js";
import { recordEvent } from "../support/login-events.js";
import { forEachDialect } from "../support/stores.js";
import { Browser, firefox, PASSWORD } from "./web-setup.js";

const hour = 3_600_000;

async function eventsApp(t: TestContext, store: Store) {
  const passwords = createPasswordHasher(4);
  const core = await securityCore(t, store, { passwords });
  const webSessions = new WebSessionService(store, core.clock, core.accounts, core.security.audit, passwords);
  const loginEvents = new LoginEventService(store, core.clock, core.accounts, core.security.audit);
  const server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    trustedProxies: CidrSet.parse(["127.0.0.1"]),
    closeGraceMs: 0,
    routes: (app) => registerWebRoutes(app, { authenticate: core.authenticate, webSessions, appPasswords: core.security.appPasswords, loginEvents }),
  });
  t.after(() => server.close());
  const signedIn = async (address: string) => {
    const browser = new Browser(server.port, firefox);
    assert.equal((await browser.login(address, PASSWORD)).status, 200);
    return browser;
  };
  const { accounts, alice, clock } = core;
  await accounts.addDomain("example.org");
  const bob = await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
  await accounts.addUser({ address: "dana@example.com", password: PASSWORD, role: "domain_admin" });
  const olga = await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
  await accounts.addUser({ address: "root@example.org", password: PASSWORD, role: "admin" });
  const now = clock.now();
  const e = [
    await recordEvent(store, alice, now - 3 * hour, { adminNotice: "pending" }),
    await recordEvent(store, alice, now - 2 * hour, { rule: "impossible_travel", severity: "high", detail: { km: 9000, kmh: 4500 } }),
    await recordEvent(store, bob, now - hour, { rule: "new_network", severity: "low" }),
    await recordEvent(store, olga, now - hour, { rule: "unexpected_country", severity: "high" }),
  ];
  return { ...core, e, signedIn, port: server.port };
}

type Listed = { events: Array<Record<string, unknown>>; nextBefore: number | null };
const fields = ["id", "rule", "severity", "account", "domain", "ip", "summary", "detail", "firstSeen", "lastSeen", "occurrences", "state", "acknowledgedAt", "acknowledgedBy", "notices"];

forEachDialect((dialect, open) => {
  describe(`login events over the web API on ${dialect}`, () => {
    it("a user reads their own events, filtered and paged; the admin routes are closed to them", async (t) => {
      const app = await eventsApp(t, await open(t));
      const alice = await app.signedIn("alice@example.com");
      const listed = async (path: string) => (await alice.call("GET", path)).body as unknown as Listed;

      const all = await listed("/api/v1/login-events");
      assert.deepEqual(all.events.map((x) => x.id), [app.e[1]!.id, app.e[0]!.id]);
      for (const x of all.events) assert.deepEqual(Object.keys(x), fields);
      const [travel, country] = all.events;
      assert.deepEqual(
        { ...travel, id: 0 },
        {
          id: 0,
          rule: "impossible_travel",
          severity: "high",
          account: "alice@example.com",
          domain: "example.com",
          ip: "41.58.0.1",
          summary: app.e[1]!.summary,
          detail: { km: 9000, kmh: 4500 },
          firstSeen: new Date(app.e[1]!.firstAt).toISOString(),
          lastSeen: new Date(app.e[1]!.lastAt).toISOString(),
          occurrences: 1,
          state: "open",
          acknowledgedAt: null,
          acknowledgedBy: null,
          notices: { user: "pending", admin: "none", webhook: "none" },
        },
      );
      assert.deepEqual(country?.notices, { user: "pending", admin: "pending", webhook: "none" });
      assert.equal(all.nextBefore, null);
      assert.deepEqual((await listed("/api/v1/login-events?severity=high&state=open&rule=impossible_travel&since=150m")).events.map((x) => x.id), [app.e[1]!.id]);
      assert.deepEqual((await listed("/api/v1/login-events?since=1h")).events, []);
      const first = await listed("/api/v1/login-events?limit=1");
      assert.equal(first.nextBefore, app.e[1]!.id);
      assert.deepEqual((await listed(`/api/v1/login-events?limit=1&before=${String(first.nextBefore)}`)).events.map((x) => x.id), [app.e[0]!.id]);

      const bad = await alice.call("GET", "/api/v1/login-events?severity=critical");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error?.code, "invalid_input");
      assert.match(bad.body.error!.message, /^severity: expected low\|medium\|high/);
      assert.match((await alice.call("GET", "/api/v1/login-events?state=closed")).body.error!.message, /^state: /);
      assert.equal((await alice.call("GET", "/api/v1/login-events?color=red")).status, 400, "unknown parameters are refused");
      assert.equal((await alice.call("GET", "/api/v1/admin/login-events")).status, 404, "a plain user administers no domain");
      const ack = await alice.call("POST", "/api/v1/admin/login-events/ack", { ids: [app.e[0]!.id] });
      assert.deepEqual([ack.status, ack.body.error?.code], [404, "domain_not_found"]);
      assert.equal((await app.store.loginEvents.get(app.e[0]!.id))?.state, "open");
      assert.equal((await new Browser(app.port, firefox).call("GET", "/api/v1/login-events")).status, 401);
    });

    it("a domain admin reads and acknowledges their domain's events and no other's; an install admin any", async (t) => {
      const app = await eventsApp(t, await open(t));
      const ids = (reply: { body: unknown }) => (reply.body as Listed).events.map((x) => x.id);
      const [a0, a1, b2, o3] = app.e.map((x) => x.id);
      const dana = await app.signedIn("dana@example.com");
      assert.deepEqual(ids(await dana.call("GET", "/api/v1/admin/login-events")), [b2, a1, a0]);
      assert.deepEqual(ids(await dana.call("GET", "/api/v1/admin/login-events?domain=example.com&severity=medium")), [a1, a0]);
      const other = await dana.call("GET", "/api/v1/admin/login-events?domain=example.org");
      assert.deepEqual([other.status, other.body.error?.code], [404, "domain_not_found"]);

      assert.deepEqual((await dana.call("POST", "/api/v1/admin/login-events/ack", { ids: [a0, o3] })).body, { acknowledged: 1 });
      assert.deepEqual((await dana.call("POST", "/api/v1/admin/login-events/ack", { ids: [a0, o3] })).body, { acknowledged: 0 }, "twice: nothing more");
      assert.equal((await app.store.loginEvents.get(o3!))?.state, "open", "another domain's event stays open");
      assert.deepEqual(ids(await dana.call("GET", "/api/v1/admin/login-events?state=acknowledged")), [a0]);
      const acked = ((await dana.call("GET", "/api/v1/admin/login-events?state=acknowledged")).body as Listed).events[0]!;
      assert.equal(acked.acknowledgedBy, "user:dana@example.com");
      assert.ok(!Number.isNaN(Date.parse(String(acked.acknowledgedAt))));
      const audit = (await app.security.audit.list({ limit: 5, target: "alice@example.com" })).filter((x) => x.action === "login_event.acknowledge");
      assert.deepEqual(audit.map((x) => x.actor), ["user:dana@example.com"]);

      for (const [body, pattern] of [
        [{ ids: [] }, /^ids: /],
        [{ ids: ["1"] }, /^ids\.0: /],
        [{ ids: [0] }, /^ids\.0: /],
        [{ ids: [1], all: true }, /all/],
        [undefined, /ids/],
      ] as const) {
        const reply = await dana.call("POST", "/api/v1/admin/login-events/ack", body);
        assert.deepEqual([reply.status, reply.body.error?.code], [400, "invalid_input"], JSON.stringify(body));
        assert.match(reply.body.error!.message, pattern);
      }
      const stolen = new Browser(app.port, firefox);
      stolen.cookies.set(...([...dana.cookies][0] as [string, string]));
      assert.equal((await stolen.call("POST", "/api/v1/admin/login-events/ack", { ids: [a1] })).status, 403, "no CSRF token, no change");

      const root = await app.signedIn("root@example.org");
      assert.deepEqual(ids(await root.call("GET", "/api/v1/admin/login-events")), [o3, b2, a1, a0]);
      assert.deepEqual(ids(await root.call("GET", "/api/v1/admin/login-events?domain=example.org")), [o3]);
      assert.deepEqual((await root.call("POST", "/api/v1/admin/login-events/ack", { ids: [a1, o3], domain: "example.org" })).body, { acknowledged: 1 }, "the domain named bounds the ids");
      assert.deepEqual((await root.call("POST", "/api/v1/admin/login-events/ack", { ids: [a1, b2] })).body, { acknowledged: 2 });
    });
  });
});
