// Bodies stored over another body (migration 0021, decision 0027): a row with `base_hash` keeps
// only the bytes on top (`prefix`); the rest are the base's inline bytes from `base_offset` on,
// and its search text is the base's. A base is always a whole inline row, so one lookup puts
// any body together. Only the message repository reads these columns: everything above it
// (IMAP, POP3, the web API, recall) sees whole bytes.
import type { Kysely } from "kysely";
import type { MessageSummary } from "../../mail/mime/index-message.js";
import { keptHeaderOver } from "../../mail/mime/kept-header.js";
import { prefixedIndex } from "../../mail/mime/prefixed-index.js";
import { MoatError } from "../../shared/errors.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";

/** The columns that say whether and how a row is stored over another. */
interface Layout {
  readonly hash: string;
  readonly base_hash: string | null;
  readonly base_offset: number | null;
  readonly prefix: Buffer | null;
}

const layoutColumns = ["hash", "base_hash", "base_offset", "prefix"] as const;

/** A row's bytes as stored: inline, in the blob store (inline_data NULL), or over another row. */
type StoredBytes = Layout & { readonly inline_data: Buffer | null };

export const storedBytesColumns = [...layoutColumns, "inline_data"] as const;

/** The columns getPrefixes reads besides its substr of inline_data. */
export const prefixColumns = layoutColumns;

const baseData = prepared((db, hash: string) =>
  db.selectFrom("message_bodies").select("inline_data").where("hash", "=", hash).where("base_hash", "is", null).where("inline_data", "is not", null),
);
const isBase = prepared((db, hash: string) =>
  db.selectFrom("message_bodies").select("hash").where("hash", "=", hash).where("base_hash", "is", null).where("inline_data", "is not", null),
);
const insertShared = prepared((db, hash: string, size: number, prefix: Buffer, baseHash: string, baseOffset: number, now: number) =>
  db
    .insertInto("message_bodies")
    .values({ hash, size, inline_data: null, index_json: "", body_text: null, created_at: now, prefix, base_hash: baseHash, base_offset: baseOffset })
    .onConflict((oc) => oc.column("hash").doNothing()),
);
const baseOfRow = prepared((db, hash: string) => db.selectFrom("message_bodies").select("base_hash").where("hash", "=", hash));

/** A blob or bytea column as a Buffer (a driver may hand over another byte array), or null. */
export const bytesOrNull = (value: Uint8Array | null): Buffer | null => (value === null || Buffer.isBuffer(value) ? value : Buffer.from(value));

/** PostgreSQL may hand an int8 over as a string. */
const offsetOf = (row: Layout) => Number(row.base_offset);

/** The whole inline bytes of the base `hash`; undefined when it is not a whole inline row. */
export async function baseBytes(db: Kysely<Database>, hash: string): Promise<Buffer | undefined> {
  const [row] = await baseData(db, hash);
  return row?.inline_data ?? undefined;
}

/**
 * Inserts a row over `baseHash` (none when `hash` is stored already: the same key is the same
 * bytes); false when the base is not a whole inline row. `baseInserted`: the caller's
 * transaction inserted the base whole and inline (putBody said so), so its row is not read again.
 */
export async function insertSharedBody(db: Kysely<Database>, body: { hash: string; size: number; prefix: Buffer; baseHash: string; baseOffset: number; baseInserted?: boolean; now: number }): Promise<boolean> {
  if (body.baseInserted !== true && (await isBase(db, body.baseHash)).length === 0) return false;
  await insertShared(db, body.hash, body.size, body.prefix, body.baseHash, body.baseOffset, body.now);
  return true;
}

/** The row's base when it is stored over one. */
export async function baseHashOf(db: Kysely<Database>, hash: string): Promise<string | null> {
  const [row] = await baseOfRow(db, hash);
  return row?.base_hash ?? null;
}

function joined(row: Layout, base: Buffer | undefined): Buffer {
  // A missing base is a broken store (the foreign key keeps it): say so rather than serve part of a message.
  if (base === undefined) throw new MoatError("internal", `message body ${row.hash} is stored over ${row.base_hash}, which is not a whole inline body`);
  return Buffer.concat([row.prefix ?? Buffer.alloc(0), base.subarray(offsetOf(row))]);
}

/** A row's bytes: inline, null (the blob store has them), or put together from its base. */
export async function bytesOf(db: Kysely<Database>, row: StoredBytes): Promise<Buffer | null> {
  return row.base_hash === null ? row.inline_data : joined(row, await baseBytes(db, row.base_hash));
}

/** bytesOf for many rows: the bases of the shared ones in one query. */
export async function bytesOfMany(db: Kysely<Database>, rows: readonly StoredBytes[]): Promise<Map<string, Buffer | null>> {
  const bases = await basesOf(db, rows);
  return new Map(rows.map((row) => [row.hash, row.base_hash === null ? row.inline_data : joined(row, bases.get(row.base_hash))]));
}

/**
 * The first `length` bytes of each row: `heads` are the inline rows' first bytes (the query's
 * substr), the shared rows are put together from their bases.
 */
export async function prefixesOf(db: Kysely<Database>, rows: ReadonlyArray<Layout & { head: Buffer | null }>, length: number): Promise<Map<string, Buffer | null>> {
  const bases = await basesOf(db, rows);
  return new Map(rows.map((row) => [row.hash, row.base_hash === null ? row.head : joined(row, bases.get(row.base_hash)).subarray(0, length)]));
}

/** The whole inline bytes of the bases the shared rows name, in one query. */
async function basesOf(db: Kysely<Database>, rows: readonly Layout[]): Promise<Map<string, Buffer>> {
  const wanted = [...new Set(rows.flatMap((r) => (r.base_hash === null ? [] : [r.base_hash])))];
  const found = new Map<string, Buffer>();
  for (let i = 0; i < wanted.length; i += 500) {
    const part = wanted.slice(i, i + 500);
    const bases = await db.selectFrom("message_bodies").select(["hash", "inline_data"]).where("hash", "in", part).where("base_hash", "is", null).execute();
    for (const base of bases) if (base.inline_data !== null) found.set(base.hash, base.inline_data);
  }
  return found;
}

/** What a row stored over a base without an index row of its own reads as (decision 0038). */
export interface DerivedIndex {
  readonly summary: MessageSummary;
  readonly header: Buffer | null;
}

/**
 * The index and kept header of the rows among `hashes` that are stored over a base and have no
 * message_index row: the base's, with its first base_offset bytes (X- fields on top of the same
 * message) replaced by the row's prefix. Rows with an index row of their own are never asked
 * about (the callers read message_index first), so a row written before 0038 reads as it was.
 */
export async function derivedIndexes(db: Kysely<Database>, hashes: readonly string[]): Promise<Map<string, DerivedIndex>> {
  const found = new Map<string, DerivedIndex>();
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db
      .selectFrom("message_bodies as s")
      .innerJoin("message_index as i", "i.hash", "s.base_hash")
      .select(["s.hash", "s.base_offset", "s.prefix", "i.header", "i.index_json"])
      .where("s.hash", "in", hashes.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const offset = Number(row.base_offset);
      const prefix = bytesOrNull(row.prefix) ?? Buffer.alloc(0);
      const baseHeader = bytesOrNull(row.header);
      const base = JSON.parse(row.index_json) as MessageSummary & { bodyText?: string };
      // Before migration 0010 a summary carried the text too; a summary never does.
      const { bodyText: _text, ...summary } = base;
      found.set(row.hash, { summary: prefixedIndex(summary, prefix.length - offset), header: keptHeaderOver(prefix, baseHeader, offset) });
    }
  }
  return found;
}
