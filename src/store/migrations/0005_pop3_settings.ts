// Per-domain POP3 settings (issue 5): a row only for a domain whose admin changed something;
// no row means the defaults (DELE removes the message, the maildrop is INBOX). A table of its
// own rather than columns on domains, so the domain row every delivery reads stays as it is.
//   - leave_on_server: 0/1 (integers on both dialects, as in 0003): DELE then QUIT only marks
//     the message $POP3Downloaded instead of expunging it (decision 0009).
//   - folder: the mailbox POP3 shows, by its stored name ("INBOX", "Archive/2026", …).
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { columnTypes } from "./columns.js";

export function pop3Settings(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("domain_pop3_settings")
        .addColumn("domain_id", t.id, (c) => c.primaryKey().references("domains.id").onDelete("cascade"))
        .addColumn("leave_on_server", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("folder", "text", (c) => c.notNull().defaultTo("INBOX"))
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("domain_pop3_settings").execute();
    },
  };
}
