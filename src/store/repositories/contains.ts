// "column contains text" as LIKE, with the text's own % and _ taken literally. ESCAPE '!' is
// spelt out: PostgreSQL's LIKE escapes with a backslash by default, SQLite has no default.
import { sql, type RawBuilder } from "kysely";

export function contains(column: RawBuilder<unknown>, text: string): RawBuilder<boolean> {
  return sql<boolean>`${column} like ${`%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`} escape '!'`;
}
