// The driver error codes the store maps, checked against the real drivers: repositories avoid
// unique violations with ON CONFLICT DO NOTHING, so this is the only place the unique path of
// the mapping is exercised (foreign-key violations are covered by the repository suite).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { isMoatError } from "../../src/shared/errors.js";
import { constraintKind, mapConstraints } from "../../src/store/errors.js";
import { pgSkip, pgUrl } from "../support/stores.js";

const codes = { unique: "address_taken", foreign_key: "domain_not_found" } as const;

describe("constraint errors from better-sqlite3", () => {
  const db = new BetterSqlite3(":memory:");
  after(() => db.close());
  db.pragma("foreign_keys = ON");
  db.exec("create table p (id integer primary key, name text unique); create table c (p_id integer references p(id))");
  db.prepare("insert into p values (1, 'a')").run();
  const attempt = (statement: string) => mapConstraints(async () => db.prepare(statement).run(), codes);

  it("maps a unique index and a primary key violation to the unique code", async () => {
    await assert.rejects(attempt("insert into p values (2, 'a')"), (err) => isMoatError(err, "address_taken"));
    await assert.rejects(attempt("insert into p values (1, 'b')"), (err) => isMoatError(err, "address_taken"));
  });

  it("maps a foreign key violation, and passes other errors through untouched", async () => {
    await assert.rejects(attempt("insert into c values (99)"), (err) => isMoatError(err, "domain_not_found"));
    await assert.rejects(attempt("insert into missing values (1)"), (err) => !isMoatError(err) && constraintKind(err) === undefined);
  });
});

describe("constraint errors from pg", { skip: pgSkip }, () => {
  it("maps 23505 to the unique code and 23503 to the foreign-key code", async (t) => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    t.after(() => client.end());
    // Temporary tables: private to this session, gone when it ends.
    await client.query("create temp table p (id int primary key, name text unique)");
    await client.query("create temp table c (p_id int references p(id))");
    await client.query("insert into p values (1, 'a')");
    const attempt = (statement: string) => mapConstraints(() => client.query(statement), codes);
    await assert.rejects(attempt("insert into p values (2, 'a')"), (err) => isMoatError(err, "address_taken"));
    await assert.rejects(attempt("insert into p values (1, 'b')"), (err) => isMoatError(err, "address_taken"));
    await assert.rejects(attempt("insert into c values (99)"), (err) => isMoatError(err, "domain_not_found"));
  });
});
