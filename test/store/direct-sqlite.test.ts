// The short way of prepared statements on SQLite (store/direct-sqlite.ts): a statement runs at
// once only where the queued way would have run it next — on a free connection, or on the one
// its own transaction holds — and everything else about it is as before: a read from outside
// waits for a running transaction, writes roll back with their transaction, errors reject.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import type { Store } from "../../src/core/ports/store.js";
import { openStore } from "../../src/store/open.js";
import { tempDir } from "../support/temp.js";
import { T0, addUser, domainName } from "./helpers.js";

async function sqliteStore(t: TestContext): Promise<Store> {
  const store = await openStore({ sqlitePath: path.join(tempDir(t), "moat.db") });
  t.after(() => store.close());
  return store;
}

/** Counts better-sqlite3 statement runs, for the duration of the test. */
function countRuns(t: TestContext): { readonly count: number } {
  const proto = Object.getPrototypeOf(new BetterSqlite3(":memory:").prepare("select 1")) as Record<"all" | "run", (...args: unknown[]) => unknown>;
  const counter = { count: 0 };
  for (const method of ["all", "run"] as const) {
    const original = proto[method];
    proto[method] = function (this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
    t.after(() => (proto[method] = original));
  }
  return counter;
}

function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const settle = async (turns = 5) => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("prepared statements on SQLite", () => {
  it("run at once on a free connection and in their own transaction, plain and grouped", async (t) => {
    const store = await sqliteStore(t);
    const domain = await store.domains.create(domainName("example.com"), T0);
    const runs = countRuns(t);

    const before = runs.count;
    const found = store.domains.findByName(domainName("example.com"));
    assert.equal(runs.count, before + 1, "the statement ran before the call returned");
    assert.equal((await found)?.id, domain.id);

    for (const options of [undefined, { group: true }] as const) {
      await store.transaction(async (tx) => {
        const inside = runs.count;
        const read = tx.domains.findByName(domainName("example.com"));
        assert.equal(runs.count, inside + 1);
        assert.equal((await read)?.id, domain.id);
      }, options);
    }
  });

  it("from outside wait for a running transaction and never see its writes, which roll back with it", async (t) => {
    const store = await sqliteStore(t);
    const held = latch();
    const reached = latch();
    const user = await addUser(store, await store.domains.create(domainName("example.com"), T0), "alice");
    const failed = store.transaction(async (tx) => {
      await tx.domains.create(domainName("held.example"), T0);
      await tx.quota.add(user.id, 500);
      assert.equal(await tx.quota.usage(user.id), 500, "the transaction sees its own write");
      reached.open();
      await held.promise;
      throw new Error("undo");
    });
    await reached.promise;
    let outsideDone = false;
    const outside = store.domains.findByName(domainName("held.example")).finally(() => (outsideDone = true));
    const usage = store.quota.usage(user.id);
    await settle();
    const doneWhileHeld = outsideDone;
    held.open();
    await assert.rejects(failed, /undo/);
    assert.equal(doneWhileHeld, false, "the read waited for the transaction");
    assert.equal(await outside, undefined, "it did not read the uncommitted row");
    assert.equal(await usage, 0);
    assert.equal(await store.quota.usage(user.id), 0, "the prepared write rolled back");
  });

  it("answer a failing statement with a rejection, inside a transaction and out", async (t) => {
    const store = await sqliteStore(t);
    let returned: Promise<void> | undefined;
    assert.doesNotThrow(() => (returned = store.quota.add(999_999, 10)), "no synchronous throw");
    await assert.rejects(returned!, /FOREIGN KEY/);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.quota.add(999_999, 10);
      }),
      /FOREIGN KEY/,
    );
    assert.equal(await store.quota.usage(999_999), 0);
  });
});
