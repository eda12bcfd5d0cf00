// The decoded text SEARCH reads (up to 1 MiB a message) in a column of its own, out of
// index_json: FETCH ENVELOPE/BODYSTRUCTURE then reads and parses a few hundred bytes a message
// instead of the whole text again. Rows from before keep the text inside index_json (NULL
// here); readers fall back to it.
import type { Kysely, Migration } from "kysely";

export function bodyText(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("message_bodies").addColumn("body_text", "text").execute();
    },
  };
}
