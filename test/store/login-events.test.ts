// The abnormal-login event repository (issue 8 items 2 and 3) on SQLite and PostgreSQL: a
// repeated finding with the same group key folds into the open event while it is recent (and
// never moves its last-seen time back), a new one starts after the window or once the event is
// acknowledged; listing filters by account, attempted name, domains, state, rule, severity
// floor and time, newest first with keyset paging; acknowledging counts only what was open;
// notices are drained and marked; old events are pruned.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import type { LoginEventQuery, NewLoginEvent } from "../../src/core/ports/login-events.js";
import { openStore } from "../../src/store/open.js";
import { forEachDialect } from "../support/stores.js";
import { tempDir } from "../support/temp.js";
import { T0 } from "./helpers.js";

const minute = 60_000;

const base: NewLoginEvent = {
  rule: "unfamiliar_country",
  severity: "medium",
  userId: 1,
  domainId: 10,
  identity: "alice@example.com",
  ip: "41.58.0.1",
  groupKey: "user:1:unfamiliar_country:NG",
  summary: "New sign-in to alice@example.com from Lagos, Nigeria via IMAP.",
  detail: { country: "NG", city: "Lagos", asn: 36923 },
  at: T0,
  loginRecordId: 7,
  userNotice: "pending",
  adminNotice: "none",
  webhook: "pending",
};

forEachDialect((dialect, open) => {
  describe(`login events on ${dialect}`, () => {
    it("fold repeats of one key while open and recent, and start anew after the window or an acknowledgement", async (t) => {
      const store = await open(t);
      const first = await store.loginEvents.record(base, T0 - 60 * minute);
      assert.equal(first.created, true);
      assert.deepEqual(first.event, {
        ...first.event,
        rule: "unfamiliar_country",
        userId: 1,
        domainId: 10,
        detail: { country: "NG", city: "Lagos", asn: 36923 },
        firstAt: T0,
        lastAt: T0,
        occurrences: 1,
        loginRecordId: 7,
        state: "open",
        acknowledgedAt: null,
        acknowledgedBy: null,
        userNotice: "pending",
        adminNotice: "none",
        webhook: "pending",
        webhookAttempts: 0,
      });
      await store.loginEvents.markNotice("user", [first.event.id], "sent", T0 + minute);

      const again = await store.loginEvents.record({ ...base, at: T0 + 10 * minute, ip: "41.58.0.2", summary: "changed", userNotice: "pending" }, T0 + 10 * minute - 60 * minute);
      assert.equal(again.created, false);
      assert.equal(again.event.id, first.event.id);
      assert.deepEqual([again.event.occurrences, again.event.firstAt, again.event.lastAt], [2, T0, T0 + 10 * minute]);
      assert.deepEqual([again.event.ip, again.event.summary, again.event.userNotice], ["41.58.0.1", base.summary, "sent"], "a fold changes nothing but the count and the time");

      const late = await store.loginEvents.record({ ...base, at: T0 + 5 * minute }, T0 - 60 * minute);
      assert.deepEqual([late.event.id, late.event.occurrences, late.event.lastAt], [first.event.id, 3, T0 + 10 * minute], "a late report keeps the later last-seen time");

      const other = await store.loginEvents.record({ ...base, groupKey: "user:1:unfamiliar_country:RU", at: T0 + 11 * minute }, T0);
      assert.equal(other.created, true, "another key is another event");

      const afterWindow = await store.loginEvents.record({ ...base, at: T0 + 200 * minute }, T0 + 200 * minute - 60 * minute);
      assert.equal(afterWindow.created, true, "last seen before the window: a new event");

      assert.equal(await store.loginEvents.acknowledge([afterWindow.event.id], "cli:root", T0 + 201 * minute), 1);
      const afterAck = await store.loginEvents.record({ ...base, at: T0 + 202 * minute }, T0 + 150 * minute);
      assert.equal(afterAck.created, true, "an acknowledged event takes no more occurrences");
      assert.equal((await store.loginEvents.get(afterWindow.event.id))?.occurrences, 1);
    });

    it("list by account, name, domains, state, rule, severity floor and time, newest first, paged", async (t) => {
      const store = await open(t);
      const add = async (n: number, over: Partial<NewLoginEvent>) => (await store.loginEvents.record({ ...base, groupKey: `k${n}`, at: T0 + n * minute, ...over }, T0 + n * minute)).event.id;
      const e = [
        await add(0, {}),
        await add(1, { rule: "impossible_travel", severity: "high" }),
        await add(2, { rule: "new_network", severity: "low", userId: 2, identity: "bob@example.com" }),
        await add(3, { rule: "account_failure_burst", userId: null, identity: "ghost@example.com" }),
        await add(4, { rule: "ip_failure_burst", userId: null, identity: null, domainId: null, ip: "203.0.113.9" }),
        await add(5, { rule: "unexpected_country", severity: "high", userId: 3, identity: "olga@example.org", domainId: 20 }),
      ];
      await store.loginEvents.acknowledge([e[1]!], "cli:root", T0 + 10 * minute);
      const ids = async (q: Omit<LoginEventQuery, "limit">, limit = 100) => (await store.loginEvents.list({ ...q, limit })).map((x) => x.id);
      const newest = (...picked: number[]) => picked.map((i) => e[i]!).reverse();

      assert.deepEqual(await ids({}), newest(0, 1, 2, 3, 4, 5));
      assert.deepEqual(await ids({ userId: 1 }), newest(0, 1));
      assert.deepEqual(await ids({ identity: "ghost@example.com" }), newest(3));
      assert.deepEqual(await ids({ domainIds: [10] }), newest(0, 1, 2, 3));
      assert.deepEqual(await ids({ domainIds: [10, 20] }), newest(0, 1, 2, 3, 5));
      assert.deepEqual(await ids({ domainIds: [] }), [], "no domain: nothing, not everything");
      assert.deepEqual(await ids({ state: "acknowledged" }), newest(1));
      assert.deepEqual(await ids({ state: "open", domainIds: [10] }), newest(0, 2, 3));
      assert.deepEqual(await ids({ rule: "ip_failure_burst" }), newest(4));
      assert.deepEqual(await ids({ minSeverity: "high" }), newest(1, 5));
      assert.deepEqual(await ids({ minSeverity: "medium" }), newest(0, 1, 3, 4, 5));
      assert.deepEqual(await ids({ minSeverity: "low" }), newest(0, 1, 2, 3, 4, 5));
      assert.deepEqual(await ids({ since: T0 + 4 * minute }), newest(4, 5), "since is inclusive");
      const page1 = await ids({}, 4);
      const page2 = await ids({ beforeId: page1.at(-1)! }, 4);
      assert.deepEqual([...page1, ...page2], newest(0, 1, 2, 3, 4, 5));
      assert.equal(page2.length, 2);
      await assert.rejects(store.loginEvents.list({ limit: 0 }), /limit/);
    });

    it("acknowledge counts only open events and names who and when", async (t) => {
      const store = await open(t);
      const a = (await store.loginEvents.record(base, T0)).event.id;
      const b = (await store.loginEvents.record({ ...base, groupKey: "other" }, T0)).event.id;
      assert.equal(await store.loginEvents.acknowledge([], "x", T0), 0);
      assert.equal(await store.loginEvents.acknowledge([a, b, 999_999], "cli:root", T0 + minute), 2);
      assert.equal(await store.loginEvents.acknowledge([a, b], "cli:someone-else", T0 + 2 * minute), 0, "twice: nothing more");
      const got = await store.loginEvents.get(a);
      assert.deepEqual([got?.state, got?.acknowledgedBy, got?.acknowledgedAt], ["acknowledged", "cli:root", T0 + minute]);
      assert.equal(await store.loginEvents.get(999_999), undefined);
    });

    it("drain pending notices oldest first, mark them, remember the last mail per user and domain, prune old events", async (t) => {
      const store = await open(t);
      const a = (await store.loginEvents.record({ ...base, adminNotice: "pending" }, T0)).event.id;
      const b = (await store.loginEvents.record({ ...base, groupKey: "b", at: T0 + minute, userNotice: "skipped", domainId: null }, T0)).event.id;
      assert.deepEqual((await store.loginEvents.pending("user", 10)).map((x) => x.id), [a]);
      assert.deepEqual((await store.loginEvents.pending("webhook", 10)).map((x) => x.id), [a, b]);
      assert.deepEqual((await store.loginEvents.pending("webhook", 1)).map((x) => x.id), [a]);
      assert.equal(await store.loginEvents.lastUserNoticeAt(1), null);
      await store.loginEvents.markNotice("user", [a], "sent", T0 + 2 * minute);
      await store.loginEvents.markNotice("admin", [a], "sent", T0 + 3 * minute);
      await store.loginEvents.markNotice("webhook", [a, b], "pending", T0 + 4 * minute, 2);
      assert.equal(await store.loginEvents.lastUserNoticeAt(1), T0 + 2 * minute);
      assert.equal(await store.loginEvents.lastUserNoticeAt(2), null);
      assert.equal(await store.loginEvents.lastAdminNoticeAt(10), T0 + 3 * minute);
      assert.equal(await store.loginEvents.lastAdminNoticeAt(null), null);
      assert.deepEqual((await store.loginEvents.pending("user", 10)).map((x) => x.id), []);
      const retried = await store.loginEvents.get(b);
      assert.deepEqual([retried?.webhook, retried?.webhookAt, retried?.webhookAttempts], ["pending", T0 + 4 * minute, 2]);
      assert.equal(await store.loginEvents.prune(T0 + minute), 1, "last seen before the cut-off");
      assert.equal(await store.loginEvents.get(a), undefined);
      assert.ok(await store.loginEvents.get(b));
    });
  });
});

describe("login events on sqlite: statements", () => {
  it("fold repeats with one prepared statement, and count an account's failures from the failure index alone", async (t) => {
    const dir = tempDir(t);
    const store = await openStore({ sqlitePath: path.join(dir, "moat.db") });
    t.after(() => store.close());
    // Every SQL text the connection prepares: a value written into the SQL makes a new one per call.
    const prepared: string[] = [];
    const prepare = BetterSqlite3.prototype.prepare;
    BetterSqlite3.prototype.prepare = function (this: BetterSqlite3.Database, source: string) {
      prepared.push(source);
      return prepare.call(this, source);
    } as typeof prepare;
    t.after(() => {
      BetterSqlite3.prototype.prepare = prepare;
    });
    await store.loginEvents.record(base, T0 - minute);
    for (let i = 1; i <= 3; i++) assert.equal((await store.loginEvents.record({ ...base, at: T0 + i * minute }, T0 - minute)).created, false);
    assert.equal((await store.loginEvents.record(base, T0 - minute)).event.occurrences, 5);
    assert.equal(prepared.filter((s) => s.startsWith('update "login_events"')).length, 1, prepared.join("\n"));

    const reader = new BetterSqlite3(path.join(dir, "moat.db"), { readonly: true });
    t.after(() => reader.close());
    const plan = reader
      .prepare("explain query plan select count(*) from login_records where user_id = ? and at >= ? and result = ?")
      .all(1, T0, "failure")
      .map((row) => (row as { detail: string }).detail);
    assert.match(plan.join("\n"), /USING COVERING INDEX login_records_user_result_at_idx \(user_id=\? AND result=\? AND at>\?\)/);
  });
});
