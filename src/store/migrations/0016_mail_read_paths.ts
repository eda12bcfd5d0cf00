// message_index and message_text: the summary and header, and the search text, of each stored
// body in narrow tables of their own (decision 0017). In message_bodies they followed inline_data, and SQLite reaches a
// column after a large value only by walking that value's overflow pages: reading the summaries
// of 10,000 messages read every message. Existing rows are copied (without a header: SEARCH
// HEADER reads those from the message bytes); message_bodies keeps its old copies, which
// nothing reads any more, and new rows there carry an empty index_json and no text.
import { sql, type Kysely, type Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { columnTypes } from "./columns.js";

export function mailReadPaths(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const t = columnTypes(dialect);
      await db.schema
        .createTable("message_index")
        .addColumn("hash", t.key, (c) => c.primaryKey())
        .addColumn("header", dialect === "sqlite" ? "blob" : "bytea")
        .addColumn("index_json", "text", (c) => c.notNull())
        .execute();
      await db.schema.createTable("message_text").addColumn("hash", t.key, (c) => c.primaryKey()).addColumn("body_text", "text").execute();
      await sql`insert into message_index (hash, header, index_json) select hash, null, index_json from message_bodies`.execute(db);
      await sql`insert into message_text (hash, body_text) select hash, body_text from message_bodies`.execute(db);
    },
  };
}
