// Message bodies (once per content, indexed at delivery) and message rows per mailbox.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { MessageBody, MessageRepository, StoredMessage, UidSlot } from "../../core/ports/mailstore.js";
import type { Address } from "../../mail/address.js";
import type { MessageIndex, MessageSummary } from "../../mail/mime/index-message.js";
import { MoatError } from "../../shared/errors.js";
import { prepared, preparedWrite } from "../prepared.js";
import type { Database, MessagesTable, SqlDialect } from "../schema.js";
import { baseHashOf, bytesOf, bytesOfMany, bytesOrNull, derivedIndexes, insertSharedBody, prefixColumns, prefixesOf, storedBytesColumns } from "./shared-bodies.js";

/** A message row as core sees it; message-state.ts reads the same rows. */
export function toMessage(row: Selectable<MessagesTable>): StoredMessage {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    uid: row.uid,
    modseq: row.modseq,
    bodyHash: row.body_hash,
    size: row.size,
    flags: row.flags === "" ? [] : row.flags.split(" "),
    internalDate: row.internal_date,
  };
}

// A delivery's writes, compiled once (prepared.ts). The summary, header and text go to
// message_index (migration 0016); message_bodies keeps the bytes.
// The count of rows changed says whether this insert made the row (none when it was there
// already): a row this transaction made whole and inline needs no check before a copy is stored
// over it. Not RETURNING: SQLite's costs a temporary table per statement (prepared.ts).
const insertBody = preparedWrite((db, hash: string, size: number, inline: Buffer | null, now: EpochMs) =>
  db
    .insertInto("message_bodies")
    .values({ hash, size, inline_data: inline, index_json: "", body_text: null, created_at: now })
    .onConflict((oc) => oc.column("hash").doNothing()),
);
const insertIndex = prepared((db, hash: string, header: Buffer | null, indexJson: string) =>
  db
    .insertInto("message_index")
    .values({ hash, header, index_json: indexJson })
    .onConflict((oc) => oc.column("hash").doNothing()),
);
const insertText = prepared((db, hash: string, bodyText: string) =>
  db
    .insertInto("message_text")
    .values({ hash, body_text: bodyText })
    .onConflict((oc) => oc.column("hash").doNothing()),
);

// Every message read (POP3 RETR, IMAP BODY[]): compiled once. A row stored over another body
// (shared-bodies.ts) is put together from both.
const storedBytes = prepared((db, hash: string) => db.selectFrom("message_bodies").select(storedBytesColumns).where("hash", "=", hash));
// A few messages' bodies at once (POP3 reads ahead a batch per RETR, core/maildrop/read-ahead.ts):
// the list is padded to a fixed length with its first hash, so the SQL never varies and is
// compiled once; a repeated value in IN changes nothing.
const inlineBatchSize = 16;
const inlineBatch = prepared((db, ...hashes: string[]) => db.selectFrom("message_bodies").select(storedBytesColumns).where("hash", "in", hashes));
// FETCH ENVELOPE/BODYSTRUCTURE: the summary alone, never the body bytes (up to 256 KiB inline)
// nor the search text (up to 1 MiB; migration 0010).
const summaryJson = prepared((db, hash: string) => db.selectFrom("message_index").select("index_json").where("hash", "=", hash));
const bodyTextOf = prepared((db, hash: string) => db.selectFrom("message_text").select("body_text").where("hash", "=", hash));
const bodyExists = prepared((db, hash: string) => db.selectFrom("message_bodies").select("hash").where("hash", "=", hash));

// One statement takes the next UID and MODSEQ: the row lock (PostgreSQL) or the write
// transaction (SQLite) keeps two deliveries from taking the same UID.
const takeUid = prepared((db, mailboxId: number) =>
  db
    .updateTable("mailboxes")
    .set({ uid_next: sql`uid_next + 1`, highest_modseq: sql`highest_modseq + 1` })
    .where("id", "=", mailboxId)
    .returning(["uid_next", "highest_modseq"]),
);

// The same by the owner's address and the mailbox's name: a monitoring copy's folder
// (core/mailstore/service.ts) is found and its UID taken in one statement, by the unique
// users (address) and mailboxes (user_id, name) indexes; no read of the supervisor first.
const takeUidByName = prepared((db, address: Address, name: string) =>
  db
    .updateTable("mailboxes")
    .set({ uid_next: sql`uid_next + 1`, highest_modseq: sql`highest_modseq + 1` })
    .where("user_id", "=", (eb) => eb.selectFrom("users").select("id").where("address", "=", address))
    .where("name", "=", name)
    .returning(["id", "user_id", "uid_next", "highest_modseq"]),
);

// A message row: its id is SQLite's last rowid (no RETURNING, see insertBody) or, on
// PostgreSQL, which has no such thing and no such cost, RETURNING's.
const messageValues = (mailboxId: number, uid: number, modseq: number, bodyHash: string, size: number, flags: string, internalDate: EpochMs) => ({
  mailbox_id: mailboxId,
  uid,
  modseq,
  body_hash: bodyHash,
  size,
  flags,
  internal_date: internalDate,
});
const insertMessageSqlite = preparedWrite((db, ...v: Parameters<typeof messageValues>) => db.insertInto("messages").values(messageValues(...v)));
const insertMessagePostgres = prepared((db, ...v: Parameters<typeof messageValues>) => db.insertInto("messages").values(messageValues(...v)).returning("id"));

async function insertMessage(db: Kysely<Database>, dialect: SqlDialect, ...v: Parameters<typeof messageValues>): Promise<StoredMessage> {
  const id = dialect === "sqlite" ? (await insertMessageSqlite(db, ...v)).insertId : (await insertMessagePostgres(db, ...v))[0]?.id;
  if (id === undefined) throw new MoatError("internal", "a message row was inserted without an id");
  return toMessage({ id: Number(id), ...messageValues(...v) });
}

/** The distinct hashes not in `found`. */
const unfound = (hashes: readonly string[], found: ReadonlyMap<string, unknown>) => (found.size >= hashes.length ? [] : [...new Set(hashes)].filter((h) => !found.has(h)));

/** Distinct hashes in groups that keep each statement within SQLite's bound-parameter limit. */
function chunks(hashes: readonly string[]): string[][] {
  const distinct = [...new Set(hashes)];
  const out: string[][] = [];
  for (let i = 0; i < distinct.length; i += 500) out.push(distinct.slice(i, i + 500));
  return out;
}

/** A whole MessageIndex from a row, whichever side of migration 0010 wrote it. */
function indexOf(indexJson: string, bodyText: string | null): MessageIndex {
  const stored = JSON.parse(indexJson) as MessageSummary & { bodyText?: string };
  return { ...stored, bodyText: bodyText ?? stored.bodyText ?? "" };
}

export function messageRepository(db: Kysely<Database>, dialect: SqlDialect): MessageRepository {
  async function getBodyText(hash: string): Promise<string | undefined> {
    const [row] = await bodyTextOf(db, hash);
    if (row === undefined) {
      // A body stored over another has the other's text.
      const base = await baseHashOf(db, hash);
      return base === null ? undefined : getBodyText(base);
    }
    if (row.body_text !== null) return row.body_text;
    // Before 0010 the text was inside index_json.
    const [old] = await summaryJson(db, hash);
    return old === undefined ? undefined : indexOf(old.index_json, null).bodyText;
  }

  async function getBodyTexts(hashes: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const chunk of chunks(hashes)) {
      const rows = await db.selectFrom("message_text").select(["hash", "body_text"]).where("hash", "in", chunk).execute();
      for (const row of rows) {
        // Before 0010 the text was inside index_json (rare: read those one at a time).
        if (row.body_text !== null) found.set(row.hash, row.body_text);
        else for (const old of await summaryJson(db, row.hash)) found.set(row.hash, indexOf(old.index_json, null).bodyText);
      }
    }
    // Bodies stored over another have the other's text.
    const missing = hashes.filter((h) => !found.has(h));
    for (const chunk of chunks(missing)) {
      const rows = await db.selectFrom("message_bodies").select(["hash", "base_hash"]).where("hash", "in", chunk).where("base_hash", "is not", null).execute();
      const texts = await getBodyTexts(rows.flatMap((r) => (r.base_hash === null ? [] : [r.base_hash])));
      for (const row of rows) {
        const text = row.base_hash === null ? undefined : texts.get(row.base_hash);
        if (text !== undefined) found.set(row.hash, text);
      }
    }
    return found;
  }

  return {
    async putBody(body: { hash: string; size: number; inline: Buffer | null; index: MessageIndex; header?: Buffer | null; now: EpochMs }): Promise<boolean> {
      const { bodyText, ...summary } = body.index;
      const inserted = (await insertBody(db, body.hash, body.size, body.inline, body.now)).changes > 0;
      await insertIndex(db, body.hash, body.header ?? null, JSON.stringify(summary));
      await insertText(db, body.hash, bodyText);
      return inserted;
    },

    async putSharedBody(body): Promise<boolean> {
      if (!(await insertSharedBody(db, body))) return false;
      if (body.own !== null) {
        const { bodyText: _sameAsTheBase, ...summary } = body.own.index;
        await insertIndex(db, body.hash, body.own.header, JSON.stringify(summary));
      }
      return true;
    },

    async getBody(hash: string): Promise<MessageBody | undefined> {
      const row = await db.selectFrom("message_bodies").select(["size", ...storedBytesColumns]).where("hash", "=", hash).executeTakeFirst();
      const [index] = await summaryJson(db, hash);
      const text = (await getBodyText(hash)) ?? null;
      if (!row) return undefined;
      if (index) return { hash: row.hash, size: row.size, inline: await bytesOf(db, row), index: indexOf(index.index_json, text) };
      const derived = (await derivedIndexes(db, [hash])).get(hash);
      return derived && { hash: row.hash, size: row.size, inline: await bytesOf(db, row), index: { ...derived.summary, bodyText: text ?? "" } };
    },

    async getSummary(hash: string): Promise<MessageSummary | undefined> {
      const [row] = await summaryJson(db, hash);
      return row === undefined ? (await derivedIndexes(db, [hash])).get(hash)?.summary : (JSON.parse(row.index_json) as MessageSummary);
    },

    async getSummaries(hashes: readonly string[]): Promise<Map<string, MessageSummary>> {
      const found = new Map<string, MessageSummary>();
      for (const chunk of chunks(hashes)) {
        const rows = await db.selectFrom("message_index").select(["hash", "index_json"]).where("hash", "in", chunk).execute();
        for (const row of rows) found.set(row.hash, JSON.parse(row.index_json) as MessageSummary);
      }
      // Bodies stored over another without an index row of their own (decision 0038).
      for (const [hash, derived] of await derivedIndexes(db, unfound(hashes, found))) found.set(hash, derived.summary);
      return found;
    },

    async getInlineMany(hashes: readonly string[]): Promise<Map<string, Buffer | null>> {
      const distinct = [...new Set(hashes)];
      if (distinct.length > 0 && distinct.length <= inlineBatchSize) {
        const padded = distinct.concat(new Array<string>(inlineBatchSize - distinct.length).fill(distinct[0]!));
        return bytesOfMany(db, await inlineBatch(db, ...padded));
      }
      const found = new Map<string, Buffer | null>();
      for (const chunk of chunks(hashes)) {
        const rows = await db.selectFrom("message_bodies").select(storedBytesColumns).where("hash", "in", chunk).execute();
        for (const [hash, bytes] of await bytesOfMany(db, rows)) found.set(hash, bytes);
      }
      return found;
    },

    getBodyText,

    getBodyTexts,

    async getHeaders(hashes: readonly string[]): Promise<Map<string, Buffer | null>> {
      const found = new Map<string, Buffer | null>();
      for (const chunk of chunks(hashes)) {
        const rows = await db.selectFrom("message_index").select(["hash", "header"]).where("hash", "in", chunk).execute();
        for (const row of rows) found.set(row.hash, bytesOrNull(row.header));
      }
      for (const [hash, derived] of await derivedIndexes(db, unfound(hashes, found))) found.set(hash, derived.header);
      return found;
    },

    async getPrefixes(hashes: readonly string[], length: number): Promise<Map<string, Buffer | null>> {
      const found = new Map<string, Buffer | null>();
      const n = Math.max(1, Math.floor(length));
      for (const chunk of chunks(hashes)) {
        // substr() of a blob (SQLite) or bytea (PostgreSQL) is bytes, 1-based in both.
        const rows = await db
          .selectFrom("message_bodies")
          .select([...prefixColumns, sql<Buffer | null>`substr(inline_data, 1, ${n})`.as("head")])
          .where("hash", "in", chunk)
          .execute();
        const heads = rows.map((row) => ({ ...row, head: bytesOrNull(row.head) }));
        for (const [hash, head] of await prefixesOf(db, heads, n)) found.set(hash, head);
      }
      return found;
    },

    async hasBody(hash: string): Promise<boolean> {
      return (await bodyExists(db, hash)).length > 0;
    },

    async getInline(hash: string): Promise<Buffer | null | undefined> {
      const [row] = await storedBytes(db, hash);
      return row === undefined ? undefined : bytesOf(db, row);
    },

    async append(mailboxId, message): Promise<StoredMessage> {
      const [counters] = await takeUid(db, mailboxId);
      // The mailbox went away since the caller looked it up (deleted meanwhile).
      if (counters === undefined) throw new MoatError("internal", `no mailbox ${mailboxId} to append to`);
      return insertMessage(db, dialect, mailboxId, counters.uid_next - 1, counters.highest_modseq, message.bodyHash, message.size, message.flags.join(" "), message.internalDate);
    },

    async takeUidInFolderOf(address, name): Promise<UidSlot | undefined> {
      const [counters] = await takeUidByName(db, address, name);
      return counters && { mailboxId: Number(counters.id), userId: Number(counters.user_id), uid: Number(counters.uid_next) - 1, modseq: Number(counters.highest_modseq) };
    },

    async insertAt(slot, message): Promise<StoredMessage> {
      return insertMessage(db, dialect, slot.mailboxId, slot.uid, slot.modseq, message.bodyHash, message.size, message.flags.join(" "), message.internalDate);
    },

    async list(mailboxId: number): Promise<StoredMessage[]> {
      return (await db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).orderBy("uid").execute()).map(toMessage);
    },

    async recentInDomain(domainId: number, limit: number) {
      const rows = await db
        .selectFrom("messages as m")
        .innerJoin("mailboxes as b", "b.id", "m.mailbox_id")
        .innerJoin("users as u", "u.id", "b.user_id")
        .where("u.domain_id", "=", domainId)
        .where((eb) => eb.or([eb("b.special_use", "is", null), eb("b.special_use", "not in", ["\\Sent", "\\Drafts"])]))
        .select((eb) => ["m.body_hash", eb.fn.max("m.internal_date").as("last"), eb.fn.min("u.address").as("recipient")])
        .groupBy("m.body_hash")
        .orderBy("last", "desc")
        .orderBy(sql`max(m.id)`, "desc")
        .limit(Math.max(1, Math.floor(limit)))
        .execute();
      // PostgreSQL returns an aggregate of a bigint as text.
      return rows.map((r) => ({ bodyHash: r.body_hash, internalDate: Number(r.last), recipient: String(r.recipient) }));
    },
  };
}
