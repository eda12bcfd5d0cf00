// transaction(): commit, rollback, and what happens around a running transaction, on both
// dialects. SQLite has one connection, so it must serialise; PostgreSQL runs them side by side.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { T0, addUser, domainName } from "./helpers.js";

/** A promise plus the function that settles it, to hold a transaction open on cue. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every queued callback run a few times over; no wall-clock time involved. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

forEachDialect((dialect, open) => {
  describe(`transactions on ${dialect}`, () => {
    it("commits every write when fn resolves, and returns fn's value", async (t) => {
      const store = await open(t);
      const result = await store.transaction(async (tx) => {
        const d = await tx.domains.create(domainName("example.com"), T0);
        await addUser(tx, d, "alice");
        return d.id;
      });
      assert.equal((await store.domains.findById(result))?.name, "example.com");
      assert.equal((await store.users.list(result)).length, 1);
    });

    it("rolls back every write when fn throws, rethrows, and leaves the store usable", async (t) => {
      const store = await open(t);
      const boom = new Error("boom");
      await assert.rejects(
        store.transaction(async (tx) => {
          const d = await tx.domains.create(domainName("example.com"), T0);
          await addUser(tx, d, "alice");
          await tx.loginRecords.append({ at: T0, identity: "alice", userId: null, channel: "web", ip: "::1", clientId: null, method: "web", result: "success", reason: "ok" });
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.deepEqual(await store.domains.list(), []);
      assert.deepEqual(await store.users.list(), []);
      assert.deepEqual(await store.loginRecords.list({ limit: 5 }), []);
      await store.domains.create(domainName("example.com"), T0);
    });

    it("stays usable after address_taken inside it, alike on both dialects", async (t) => {
      const store = await open(t);
      await store.transaction(async (tx) => {
        const d = await tx.domains.create(domainName("example.com"), T0);
        await addUser(tx, d, "alice");
        await assert.rejects(addUser(tx, d, "alice"), (err) => isMoatError(err, "address_taken"));
        await addUser(tx, d, "bob");
      });
      assert.deepEqual((await store.users.list()).map((u) => u.address), ["alice@example.com", "bob@example.com"]);
    });

    it("refuses, instead of hanging, a call to the outer store from inside a transaction", async (t) => {
      const store = await open(t);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.domains.create(domainName("example.com"), T0);
          await store.domains.list();
        }),
        (err) => isMoatError(err, "internal") && /outside its running transaction/.test(err.message),
      );
      assert.deepEqual(await store.domains.list(), [], "the failed transaction rolled back");
    });

    it("keeps other work out of a running transaction and commits both of two concurrent ones", async (t) => {
      const store = await open(t);
      const events: string[] = [];
      const held = latch();
      const reachedHold = latch();
      const first = store.transaction(async (tx) => {
        events.push("first:begin");
        await tx.domains.create(domainName("first.example"), T0);
        reachedHold.open();
        await held.promise;
        events.push("first:end");
      });
      await reachedHold.promise;
      const second = store.transaction(async (tx) => {
        events.push("second:begin");
        await tx.domains.create(domainName("second.example"), T0);
        events.push("second:end");
      });
      let outsideDone = false;
      const outside = store.domains.list().finally(() => (outsideDone = true));

      // Observe while the first is held, then always release it before asserting: a
      // transaction left open would hang the store's close() after a failed assertion.
      if (dialect === "sqlite") await settle();
      else await Promise.allSettled([second, outside]);
      const whileHeld = { events: [...events], outsideDone };
      held.open();
      await Promise.all([first, second]);
      const seen: string[] = (await outside).map((d) => d.name);

      if (dialect === "sqlite") {
        // One connection: the second transaction and the plain query waited for the first.
        assert.deepEqual(whileHeld, { events: ["first:begin"], outsideDone: false });
        assert.deepEqual(events, ["first:begin", "first:end", "second:begin", "second:end"]);
        // It ran after the first commit (before or after the second is the queue's call).
        assert.ok(seen.includes("first.example"), "saw the commit, not a half-done transaction");
      } else {
        // A pool: the second ran and committed meanwhile, and the plain query did not see the
        // first's uncommitted row (it may see the second's, depending on when it ran).
        assert.deepEqual(whileHeld, { events: ["first:begin", "second:begin", "second:end"], outsideDone: true });
        assert.ok(!seen.includes("first.example"));
      }
      assert.deepEqual((await store.domains.list()).map((d) => d.name), ["first.example", "second.example"]);
    });

    if (dialect === "sqlite") {
      it("serialises read-modify-write transactions, so no update is lost", async (t) => {
        const store = await open(t);
        const bump = () =>
          store.transaction(async (tx) => {
            const state = await tx.throttle.get("k");
            await settle(1); // give the other transactions every chance to interleave
            const failures = (state?.failures ?? 0) + 1;
            await tx.throttle.put("k", { failures, firstFailureAt: T0, lastFailureAt: T0 + failures, blockedUntil: null });
          });
        await Promise.all(Array.from({ length: 20 }, bump));
        assert.equal((await store.throttle.get("k"))?.failures, 20);
      });
    }

    it("keeps data and applies no migration twice when the database is opened again", async (t) => {
      const first = await open(t, "reopen");
      await first.domains.create(domainName("example.com"), T0);
      await first.close();
      const second = await open(t, "reopen");
      assert.deepEqual((await second.domains.list()).map((d) => d.name), ["example.com"]);
    });
  });
});
