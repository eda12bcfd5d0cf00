// Connection set-up of each dialect: the SQLite pragmas the durability promise rests on, the
// PostgreSQL pool's own int8 parsing and schema isolation, and refused configurations.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql, type Generated } from "kysely";
import pg from "pg";
import { isMoatError } from "../../src/shared/errors.js";
import { openStore } from "../../src/store/open.js";
import { openSqliteDatabase, sqliteDialect } from "../../src/store/sqlite.js";
import { pgSkip, pgUrl, uniqueSchemaName } from "../support/stores.js";
import { tempDir } from "../support/temp.js";
import { T0, domainName } from "./helpers.js";

const configInvalid = (err: unknown) => isMoatError(err, "config_invalid");

describe("SQLite set-up", () => {
  it("leaves the database file in WAL mode, as another connection sees it", async (t) => {
    const file = path.join(tempDir(t), "nested", "folder", "moat.db");
    const store = await openStore({ sqlitePath: file });
    t.after(() => store.close());
    await store.domains.create(domainName("example.com"), T0);
    const other = new BetterSqlite3(file, { readonly: true });
    t.after(() => other.close());
    assert.equal(other.pragma("journal_mode", { simple: true }), "wal");
    assert.deepEqual(other.prepare("select name from domains").all(), [{ name: "example.com" }], "the commit is visible");
  });

  it("turns on synchronous=FULL, foreign keys and a busy timeout on its connection", (t) => {
    const db = openSqliteDatabase(path.join(tempDir(t), "moat.db"));
    t.after(() => db.close());
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(db.pragma("synchronous", { simple: true }), 2, "2 is FULL");
    assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
    assert.equal(db.pragma("busy_timeout", { simple: true }), 5000);
    assert.equal(db.pragma("temp_store", { simple: true }), 2, "2 is MEMORY: savepoint journals never go to a file");
  });

  it("writes an integer LIMIT and OFFSET into the SQL (a bound one re-prepares the statement on every run)", async (t) => {
    const db = new Kysely<{ n: { v: number } }>({ dialect: sqliteDialect(openSqliteDatabase(":memory:")) });
    t.after(() => db.destroy());
    await sql`create table n (v integer)`.execute(db);
    await db.insertInto("n").values([1, 2, 3, 4, 5].map((v) => ({ v }))).execute();
    const query = db.selectFrom("n").select("v").orderBy("v").limit(2).offset(1);
    const compiled = query.compile();
    assert.match(compiled.sql, / limit 2 offset 1$/);
    assert.deepEqual(compiled.parameters, []);
    assert.deepEqual(await query.execute(), [{ v: 2 }, { v: 3 }]);
    // Anything but a safe integer stays a parameter, checked by SQLite as before.
    const expression = db.selectFrom("n").select("v").limit(sql<number>`${2} + ${1}`).compile();
    assert.match(expression.sql, / limit \? \+ \?$/);
  });
});

  it("builds rows from the statement's columns, follows a schema change, and never runs a statement twice", async (t) => {
    const db = new Kysely<{ n: { id: Generated<number>; v: number; w?: string | null } }>({ dialect: sqliteDialect(openSqliteDatabase(":memory:")) });
    t.after(() => db.destroy());
    await sql`create table n (id integer primary key, v integer)`.execute(db);
    const all = () => db.selectFrom("n").selectAll().orderBy("id").execute();
    assert.deepEqual(await all(), []);
    await db.insertInto("n").values({ v: 1 }).execute();
    assert.deepEqual(await all(), [{ id: 1, v: 1 }]);
    // Repeated names keep the last value, as better-sqlite3's own row objects do.
    assert.deepEqual((await sql<{ x: number }>`select 1 as x, 2 as x`.execute(db)).rows, [{ x: 2 }]);
    // The cached `select *` is prepared again by SQLite after the change and gains the column.
    await sql`alter table n add column w text`.execute(db);
    assert.deepEqual(await all(), [{ id: 1, v: 1, w: null }]);
    // A statement that writes and returns rows, its columns changed since it was cached: one row
    // inserted, returned with the new column.
    const insert = () => db.insertInto("n").values({ v: 2 }).returningAll().execute();
    assert.deepEqual(await insert(), [{ id: 2, v: 2, w: null }]);
    await sql`alter table n add column z integer default 7`.execute(db);
    assert.deepEqual(await insert(), [{ id: 3, v: 2, w: null, z: 7 }]);
    assert.equal((await all()).length, 3);
  });

describe("PostgreSQL set-up", { skip: pgSkip }, () => {
  it("parses int8 as numbers in its own pool only, and keeps every table in the given schema", async (t) => {
    const schema = uniqueSchemaName("setup");
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    t.after(async () => {
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    });
    const store = await openStore({ databaseUrl: pgUrl, pgSchema: schema });
    t.after(() => store.close());
    const d = await store.domains.create(domainName("example.com"), T0);
    assert.equal(typeof d.id, "number");
    assert.equal(d.createdAt, T0);
    assert.equal(await store.domains.countAddresses(d.id), 0);

    // The process-wide parser is untouched: other pg users still get int8 as strings.
    const { rows } = await admin.query<{ n: unknown }>("select 1::int8 as n");
    assert.equal(rows[0]?.n, "1");

    const tables = await admin.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = $1 order by table_name",
      [schema],
    );
    assert.deepEqual(
      tables.rows.map((r) => r.table_name),
      [
        "access_policies", "addresses", "admin_audit", "aliases", "app_passwords", "auth_throttle", "dkim_keys", "domain_flow_settings",
        "domain_login_settings", "domain_pop3_settings", "domains", "expunged", "forwarding_attempts", "group_flow_settings", "group_members", "held_messages", "ip_rules",
        "login_events", "login_profiles", "login_records", "mail_groups", "mailbox_uid_validity", "mailboxes", "message_bodies", "message_index", "message_text", "message_traces",
        "messages", "moat_migrations", "outbound_messages", "outbound_recipients", "passkeys", "password_history", "password_notices", "phone_codes",
        "phone_send_counts", "quota_usage", "recovery_codes", "remembered_browsers", "sieve_scripts", "sms_outbox", "subscriptions", "two_factor_accounts", "user_flow_settings",
        "user_login_settings", "user_phones", "users", "vacation_replies", "web_sessions",
      ],
    );
    const collation = await admin.query<{ collation_name: string | null }>(
      "select collation_name from information_schema.columns where table_schema = $1 and table_name = 'users' and column_name = 'address'",
      [schema],
    );
    assert.equal(collation.rows[0]?.collation_name, "C", "address order must not depend on the database locale");
  });
});

describe("openStore configuration", () => {
  it("refuses no database, a non-PostgreSQL URL and an unsafe schema name", async () => {
    await assert.rejects(openStore({}), configInvalid);
    await assert.rejects(openStore({ databaseUrl: "mysql://root:secret@db/moat" }), (err) => {
      return configInvalid(err) && !String((err as Error).message).includes("secret");
    });
    await assert.rejects(openStore({ databaseUrl: pgUrl, pgSchema: 'x"; drop table users; --' }), configInvalid);
  });
});
