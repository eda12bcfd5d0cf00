// transaction(fn, { group: true }): concurrent callers share one commit, yet each keeps the
// promises of a transaction of its own — its value, its rollback, settled only once committed.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { isMoatError } from "../../src/shared/errors.js";
import { openStore } from "../../src/store/open.js";
import type { Database } from "../../src/store/schema.js";
import { postgresCommit } from "../../src/store/group-commit.js";
import { openSqliteDatabase, sqliteCommitPath, sqliteDialect, walUpkeepFor } from "../../src/store/sqlite.js";
import type { WalSync } from "../../src/store/wal-sync.js";
import { forEachDialect, pgUrl } from "../support/stores.js";
import { tempDir } from "../support/temp.js";
import { T0, domainName } from "./helpers.js";

forEachDialect((dialect, open) => {
  describe(`group transactions on ${dialect}`, () => {
    it("commits every caller of a group and gives each its own value", async (t) => {
      const store = await open(t);
      const names = Array.from({ length: 30 }, (_, i) => `d${i}.example`);
      const ids = await Promise.all(names.map((name) => store.transaction(async (tx) => (await tx.domains.create(domainName(name), T0)).id, { group: true })));
      assert.equal(new Set(ids).size, names.length);
      const stored = await store.domains.list();
      assert.deepEqual(stored.map((d) => d.name).sort(), [...names].sort());
      for (const [i, name] of names.entries()) assert.equal(stored.find((d) => d.id === ids[i])?.name, name);
    });

    it("undoes and rejects only the caller that threw; the others of its group commit", async (t) => {
      const store = await open(t);
      const boom = new Error("boom");
      const results = await Promise.allSettled(
        ["a", "b", "c"].map((name) =>
          store.transaction(async (tx) => {
            await tx.domains.create(domainName(`${name}.example`), T0);
            if (name === "b") throw boom;
            return name;
          }, { group: true }),
        ),
      );
      assert.deepEqual(results.map((r) => (r.status === "fulfilled" ? r.value : r.reason)), ["a", boom, "c"]);
      assert.deepEqual((await store.domains.list()).map((d) => d.name), ["a.example", "c.example"]);
      // The store goes on working, in groups and outside them.
      await store.transaction(async (tx) => void (await tx.domains.create(domainName("d.example"), T0)), { group: true });
      assert.equal((await store.domains.list()).length, 3);
    });

    it("rejects a caller whose statement failed, and keeps the group's other writes", async (t) => {
      const store = await open(t);
      await store.domains.create(domainName("taken.example"), T0);
      const results = await Promise.allSettled([
        store.transaction(async (tx) => void (await tx.domains.create(domainName("new.example"), T0)), { group: true }),
        // A constraint error inside the group: on PostgreSQL it aborts the transaction until the
        // savepoint is rolled back, so this also proves the other caller's write survives that.
        store.transaction(async (tx) => void (await tx.domains.create(domainName("taken.example"), T0)), { group: true }),
      ]);
      assert.equal(results[0].status, "fulfilled");
      assert.ok(results[1].status === "rejected" && isMoatError(results[1].reason, "domain_exists"));
      assert.deepEqual((await store.domains.list()).map((d) => d.name), ["new.example", "taken.example"]);
    });

    it("refuses, instead of hanging, a group transaction started inside a transaction", async (t) => {
      const store = await open(t);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.domains.create(domainName("example.com"), T0);
          await store.transaction(async () => undefined, { group: true });
        }),
        (err) => isMoatError(err, "internal") && /outside its running transaction/.test(err.message),
      );
      assert.deepEqual(await store.domains.list(), []);
    });
  });
});

describe("group transactions on SQLite", () => {
  it("keep their writes across a reopen", async (t) => {
    const file = path.join(tempDir(t), "moat.db");
    const store = await openStore({ sqlitePath: file });
    await Promise.all(["a", "b"].map((n) => store.transaction(async (tx) => void (await tx.domains.create(domainName(`${n}.example`), T0)), { group: true })));
    await store.close();
    const again = await openStore({ sqlitePath: file });
    t.after(() => again.close());
    assert.deepEqual((await again.domains.list()).map((d) => d.name), ["a.example", "b.example"]);
  });

  it("commit without an fsync of their own, then put the connection back to FULL, even after a failure", async (t) => {
    const database = openSqliteDatabase(path.join(tempDir(t), "moat.db"));
    const wal = walUpkeepFor(database)!;
    const db = new Kysely<Database>({ dialect: sqliteDialect(database, wal) });
    t.after(() => db.destroy());
    const commit = sqliteCommitPath(wal);
    const full = 2;
    let during: unknown;
    const { synced } = await commit(
      db,
      async (trx) => {
        during = (await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]?.synchronous;
        await sql`create table t (a)`.execute(trx);
      },
      true,
    );
    await synced;
    assert.equal(during, 1, "NORMAL inside the group's transaction");
    assert.equal(database.pragma("synchronous", { simple: true }), full);
    await assert.rejects(commit(db, () => Promise.reject(new Error("boom")), true), /boom/);
    assert.equal(database.pragma("synchronous", { simple: true }), full);
  });

  it("answer a batch of only non-durable jobs at its commit, without a WAL sync; a durable job still waits for one", async (t) => {
    const database = openSqliteDatabase(path.join(tempDir(t), "moat.db"));
    const wal = walUpkeepFor(database)!;
    const db = new Kysely<Database>({ dialect: sqliteDialect(database, wal) });
    t.after(() => db.destroy());
    let syncs = 0;
    // The real WAL sync, counted: the commit path calls nothing else of it.
    const counted = { sync: () => ((syncs += 1), wal.sync.sync()) } as unknown as WalSync;
    const commit = sqliteCommitPath({ ...wal, sync: counted });
    await (await commit(db, (trx) => sql`create table t (a)`.execute(trx).then(() => undefined), false)).synced;
    assert.equal(syncs, 0, "no sync for a non-durable batch");
    await (await commit(db, (trx) => sql`insert into t values (1)`.execute(trx).then(() => undefined), true)).synced;
    assert.equal(syncs, 1);
  });
});

describe("WAL checkpoints on SQLite", () => {
  it("are made by the checkpointing thread after group commits, so the server's connection needs none of its own", async (t) => {
    const file = path.join(tempDir(t), "moat.db");
    const database = openSqliteDatabase(file);
    const wal = walUpkeepFor(database, 0)!;
    const db = new Kysely<Database>({ dialect: sqliteDialect(database, wal) });
    t.after(() => db.destroy());
    const commit = sqliteCommitPath(wal);
    await (await commit(db, (trx) => sql`create table t (a blob)`.execute(trx).then(() => undefined), false)).synced;
    // The server's connection keeps only a backstop far above what is written here.
    const backstop = Number(database.pragma("wal_autocheckpoint", { simple: true }));
    const written = 4 * 1024 * 1024;
    assert.ok(backstop * 4096 > 2 * written, `backstop ${backstop} pages`);
    for (let i = 0; i < 40; i++) {
      await (await commit(db, (trx) => sql`insert into t values (randomblob(${written / 40}))`.execute(trx).then(() => undefined), false)).synced;
      await wal.checkpointer.idle();
    }
    // Checkpointed after each commit, the WAL starts over instead of growing with every write.
    const walBytes = fs.statSync(`${file}-wal`).size;
    assert.ok(walBytes < written / 4, `WAL of ${walBytes} bytes after ${written} written`);
    assert.equal((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]?.n, 40);
  });
});

describe("group transactions on PostgreSQL", () => {
  it("turn synchronous_commit off for a batch of only non-durable jobs, and keep it on otherwise", async (t) => {
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgUrl, max: 1 }) }) });
    t.after(() => db.destroy());
    const seen: string[] = [];
    const probe = async (durable: boolean) => {
      const { synced } = await postgresCommit(
        db,
        async (trx) => {
          seen.push((await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx)).rows[0]!.synchronous_commit);
        },
        durable,
      );
      await synced;
    };
    await probe(false);
    await probe(true);
    assert.deepEqual(seen, ["off", "on"]);
  });
});
