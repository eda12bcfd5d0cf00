// Runs one test suite against every store dialect: SQLite in a temporary folder, and
// PostgreSQL in a schema of its own per store, so parallel test files never share rows.
//
//   forEachDialect((dialect, open) => {
//     describe(`accounts on ${dialect}`, () => {
//       it("...", async (t) => { const store = await open(t); ... });
//     });
//   });
//
// PostgreSQL: postgres://postgres@127.0.0.1:5432/test, or MOAT_TEST_DATABASE_URL. When it does
// not answer, its suite is skipped with the reason shown, unless MOAT_TEST_REQUIRE_PG=1 (CI),
// which turns that into a failing test.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import pg from "pg";
import type { Store } from "../../src/core/ports/store.js";
import { openStore } from "../../src/store/open.js";

export type Dialect = Store["dialect"];

/**
 * Opens a store that is closed when test `t` ends. Without `name` the database is new and
 * empty; the same `name` within one dialect suite reopens the same database (to test that
 * data and migrations survive a restart).
 */
export type OpenTestStore = (t: TestContext, name?: string) => Promise<Store>;

export const pgUrl = process.env.MOAT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const requirePg = process.env.MOAT_TEST_REQUIRE_PG === "1";

/** Why PostgreSQL cannot be used, or undefined when it answers. Asked once per test file. */
async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${redact(pgUrl)} did not answer (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

const pgUnavailable = await probePostgres();

/**
 * For PostgreSQL-only tests outside forEachDialect: `describe(name, { skip: pgSkip }, ...)`.
 * False (run, and fail if it is down) when PostgreSQL answers or MOAT_TEST_REQUIRE_PG=1.
 */
export const pgSkip: string | false =
  pgUnavailable === undefined || requirePg ? false : `${pgUnavailable}; set MOAT_TEST_REQUIRE_PG=1 to fail instead`;

/** Unique per test-file run; schemas of one run share it, so a leaked one is easy to spot. */
const runId = `moat_test_${process.pid}_${crypto.randomBytes(4).toString("hex")}`;

function schemaName(name: string | undefined, counter: number): string {
  const suffix = name === undefined ? `s${counter}` : `n_${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
  return `${runId}_${suffix}`.slice(0, 63);
}

/** A PostgreSQL schema name for this test-file run; the caller drops it. */
export function uniqueSchemaName(label: string): string {
  return schemaName(label, 0);
}

export function forEachDialect(register: (dialect: Dialect, open: OpenTestStore) => void): void {
  describe("sqlite", () => {
    let dir: string | undefined;
    let counter = 0;
    after(() => {
      if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });
    register("sqlite", async (t, name) => {
      dir ??= fs.mkdtempSync(path.join(os.tmpdir(), "moat-store-"));
      const file = path.join(dir, name === undefined ? `db-${++counter}.sqlite` : `named-${name}.sqlite`);
      return closedAfter(t, await openStore({ sqlitePath: file }));
    });
  });

  if (pgUnavailable !== undefined && requirePg) {
    describe("postgres", () => {
      it("PostgreSQL is reachable (MOAT_TEST_REQUIRE_PG=1)", () => {
        throw new Error(pgUnavailable);
      });
    });
    return;
  }
  describe("postgres", { skip: pgSkip }, () => {
    const schemas = new Set<string>();
    let counter = 0;
    after(async () => {
      if (schemas.size === 0) return;
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    });
    register("postgres", async (t, name) => {
      const schema = schemaName(name, ++counter);
      schemas.add(schema);
      return closedAfter(t, await openStore({ databaseUrl: pgUrl, pgSchema: schema }));
    });
  });
}

function closedAfter(t: TestContext, store: Store): Store {
  t.after(() => store.close());
  return store;
}
