// Listing and acknowledging abnormal-login events (issue 8 items 2 and 3) through
// LoginEventService on SQLite and PostgreSQL: the operator reaches any account, name or
// domain; a user reads only their own events; a domain admin reads and acknowledges only their
// domain's (another domain reads as not found, its events count as not found); an install
// admin any; each filter as typed, and bad text refused naming the filter; every
// acknowledgement is in the audit log, once.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Store } from "../../src/core/ports/store.js";
import { LoginEventService } from "../../src/core/security/anomalies/events-service.js";
import { isMoatError } from "../../src/shared/errors.js";
import { recordEvent } from "../support/login-events.js";
import { forEachDialect } from "../support/stores.js";
import { admin, PASSWORD, securityCore } from "./login-security-setup.js";

const hour = 3_600_000;

async function eventsCore(t: TestContext, store: Store) {
  const core = await securityCore(t, store);
  const { accounts, clock, alice } = core;
  await accounts.addDomain("example.org");
  const bob = await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
  const dana = await accounts.addUser({ address: "dana@example.com", password: PASSWORD, role: "domain_admin" });
  const olga = await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
  const oscar = await accounts.addUser({ address: "oscar@example.org", password: PASSWORD, role: "domain_admin" });
  const root = await accounts.addUser({ address: "root@example.org", password: PASSWORD, role: "admin" });
  const now = clock.now();
  const e = [
    await recordEvent(store, alice, now - 5 * hour),
    await recordEvent(store, alice, now - 4 * hour, { rule: "impossible_travel", severity: "high" }),
    await recordEvent(store, bob, now - 3 * hour, { rule: "new_network", severity: "low" }),
    await recordEvent(store, null, now - 2 * hour, { rule: "account_failure_burst", identity: "ghost@example.com", domainId: alice.domainId }),
    await recordEvent(store, null, now - 90 * 60_000, { rule: "ip_failure_burst", ip: "203.0.113.9" }),
    await recordEvent(store, olga, now - hour, { rule: "unexpected_country", severity: "high" }),
  ].map((x) => x.id);
  const service = new LoginEventService(store, clock, accounts, core.security.audit);
  const newest = (...picked: number[]) => picked.map((i) => e[i]!).reverse();
  const ids = (events: ReadonlyArray<{ id: number }>) => events.map((x) => x.id);
  return { ...core, service, e, newest, ids, users: { bob, dana, olga, oscar, root } };
}

const notFound = (err: unknown) => isMoatError(err) && err.code === "domain_not_found";

forEachDialect((dialect, open) => {
  describe(`login events for admins and users on ${dialect}`, () => {
    it("the operator lists any account, attempted name or domain, with each event's domain named", async (t) => {
      const { service, newest, ids } = await eventsCore(t, await open(t));
      const all = await service.list(service.filter({}));
      assert.deepEqual(ids(all), newest(0, 1, 2, 3, 4, 5));
      assert.deepEqual(all.map((x) => x.domain), ["example.org", null, "example.com", "example.com", "example.com", "example.com"]);
      assert.deepEqual(ids(await service.list({ ...service.filter({}), address: "Alice@Example.com" })), newest(0, 1));
      assert.deepEqual(ids(await service.list({ ...service.filter({}), address: "ghost@example.com" })), newest(3), "a name that is no account: the events about that name");
      assert.deepEqual(ids(await service.list({ ...service.filter({}), domain: "example.org" })), newest(5));
      assert.deepEqual(ids(await service.list({ ...service.filter({}), domain: "example.com", address: "bob@example.com" })), newest(2));
      await assert.rejects(service.list({ ...service.filter({}), domain: "nowhere.example" }), notFound);
      await assert.rejects(service.list({ ...service.filter({}), address: "not an address" }), (err) => isMoatError(err) && err.code === "invalid_address");
    });

    it("filters as typed: state, rule, severity floor, since, limit and before; bad text names the filter", async (t) => {
      const { service, newest, ids, e } = await eventsCore(t, await open(t));
      await service.acknowledge([e[1]!], admin);
      const list = async (text: Parameters<typeof service.filter>[0]) => ids(await service.list(service.filter(text, "--")));
      assert.deepEqual(await list({ state: "acknowledged" }), newest(1));
      assert.deepEqual(await list({ state: "OPEN" }), newest(0, 2, 3, 4, 5));
      assert.deepEqual(await list({ rule: "unexpected-country" }), newest(5), "hyphens read as underscores");
      assert.deepEqual(await list({ severity: "high" }), newest(1, 5));
      assert.deepEqual(await list({ severity: "medium" }), newest(0, 1, 3, 4, 5));
      assert.deepEqual(await list({ since: "2h" }), newest(3, 4, 5));
      assert.deepEqual(await list({ since: "2000-01-01", severity: "high", state: "open" }), newest(5));
      const first = await list({ limit: "4" });
      assert.deepEqual([...first, ...(await list({ before: String(first.at(-1)) }))], newest(0, 1, 2, 3, 4, 5));
      for (const [text, pattern] of [
        [{ state: "closed" }, /^--state: expected open\|acknowledged, not 'closed'$/],
        [{ rule: "bad_weather" }, /^--rule: expected unfamiliar_country\|.*\|ip_failure_burst, not 'bad_weather'$/],
        [{ severity: "critical" }, /^--severity: expected low\|medium\|high/],
        [{ since: "yesterday" }, /^--since: 'yesterday' is neither a duration/],
        [{ limit: "1001" }, /^--limit must be a whole number from 1 to 1000/],
        [{ before: "x" }, /^--before must be a whole number/],
      ] as const) {
        assert.throws(() => service.filter(text, "--"), (err) => isMoatError(err) && err.code === "invalid_input" && pattern.test(err.message), JSON.stringify(text));
      }
    });

    it("a user reads their own events; a domain admin their domain's and no other's; an install admin any", async (t) => {
      const { service, newest, ids, alice, users } = await eventsCore(t, await open(t));
      const filter = service.filter({});
      assert.deepEqual(ids(await service.listForUser(alice.id, filter)), newest(0, 1));
      assert.deepEqual(ids(await service.listForUser(users.bob.id, filter)), newest(2));
      assert.deepEqual(ids(await service.listForDomain(users.dana.id, undefined, filter)), newest(0, 1, 2, 3));
      assert.deepEqual(ids(await service.listForDomain(users.dana.id, "EXAMPLE.com", filter)), newest(0, 1, 2, 3));
      await assert.rejects(service.listForDomain(users.dana.id, "example.org", filter), notFound, "another domain reads as not found");
      await assert.rejects(service.listForDomain(users.dana.id, "nowhere.example", filter), notFound);
      await assert.rejects(service.listForDomain(users.bob.id, undefined, filter), notFound, "a plain user administers nothing");
      await assert.rejects(service.listForDomain(9_999_999, undefined, filter), notFound);
      assert.deepEqual(ids(await service.listForDomain(users.oscar.id, undefined, filter)), newest(5));
      assert.deepEqual(ids(await service.listForDomain(users.root.id, undefined, filter)), newest(0, 1, 2, 3, 4, 5));
      assert.deepEqual(ids(await service.listForDomain(users.root.id, "example.org", filter)), newest(5));
      await assert.rejects(service.listForDomain(users.root.id, "nowhere.example", filter), notFound);
    });

    it("acknowledging: a domain admin only their domain's events, each once, each in the audit log", async (t) => {
      const { service, store, e, users, security, clock } = await eventsCore(t, await open(t));
      clock.advance(60_000);
      assert.equal(await service.acknowledgeForDomain(users.oscar.id, [e[0]!, e[5]!, 999_999]), 1, "example.com's event and a missing id count alike: not found");
      assert.equal((await store.loginEvents.get(e[0]!))?.state, "open");
      await assert.rejects(service.acknowledgeForDomain(users.dana.id, [e[5]!], "example.org"), notFound);
      await assert.rejects(service.acknowledgeForDomain(users.bob.id, [e[2]!]), notFound);
      assert.equal(await service.acknowledgeForDomain(users.dana.id, [e[0]!, e[0]!, e[1]!, e[5]!]), 2);
      assert.equal(await service.acknowledgeForDomain(users.dana.id, [e[0]!, e[1]!]), 0, "twice: nothing more");
      const acked = await store.loginEvents.get(e[0]!);
      assert.deepEqual([acked?.state, acked?.acknowledgedBy, acked?.acknowledgedAt], ["acknowledged", "user:dana@example.com", clock.now()]);

      const entries = (await security.audit.list({ limit: 10 })).filter((x) => x.action === "login_event.acknowledge");
      assert.deepEqual(
        entries.map((x) => [x.actor, x.target, (x.after as { event: number }).event]).sort(),
        [
          ["user:dana@example.com", "alice@example.com", e[0]!],
          ["user:dana@example.com", "alice@example.com", e[1]!],
          ["user:oscar@example.org", "olga@example.org", e[5]!],
        ].sort(),
      );
      assert.deepEqual(entries.find((x) => (x.after as { event: number }).event === e[1])?.before, { event: e[1], rule: "impossible_travel", severity: "high", state: "open" });

      assert.equal(await service.acknowledgeAll({ domain: "example.com" }, admin), 2, "the rest of example.com: bob's and the burst on ghost");
      assert.equal((await store.loginEvents.get(e[4]!))?.state, "open", "an address's burst belongs to no domain");
      assert.equal(await service.acknowledgeAll({}, admin), 1);
      assert.equal(await service.acknowledgeAll({}, admin), 0);
      assert.equal(await service.acknowledge([e[4]!], admin), 0);
      assert.equal((await store.loginEvents.get(e[4]!))?.acknowledgedBy, "cli:tester");
      assert.equal((await security.audit.list({ limit: 100, target: "203.0.113.9" })).length, 1, "an event of no account is audited under its address");
    });

    it("acknowledging every open event pages through more than one page", async (t) => {
      const { service, store, alice } = await eventsCore(t, await open(t));
      const start = Date.UTC(2026, 0, 1);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 1005; i++) await recordEvent(tx, alice, start + i * 1000, { groupKey: `bulk:${i}` });
      });
      assert.equal(await service.acknowledgeAll({ address: "alice@example.com" }, admin), 1007);
      assert.equal((await store.loginEvents.list({ userId: alice.id, state: "open", limit: 10 })).length, 0);
    });
  });
});
