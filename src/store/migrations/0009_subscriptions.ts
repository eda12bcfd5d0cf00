// Subscriptions in a table of their own (user, name), apart from mailboxes: RFC 3501 §6.3.6
// keeps a subscription when its mailbox is deleted, and LIST (SUBSCRIBED) then reports the name
// as \NonExistent (RFC 5258 §3). The subscribed flags of existing mailboxes are copied over,
// then the column goes. And `mailboxes.noselect`: DELETE of a mailbox with children empties it
// and keeps it as a \Noselect name above them (RFC 3501 §6.3.4).
import { sql, type Kysely, type Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { cascadeRef, columnTypes } from "./columns.js";

export function subscriptions(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("subscriptions")
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("name", t.key, (c) => c.notNull())
        .addPrimaryKeyConstraint("subscriptions_pkey", ["user_id", "name"])
        .execute();
      await sql`insert into subscriptions (user_id, name) select user_id, name from mailboxes where subscribed = 1`.execute(db);
      await db.schema.alterTable("mailboxes").dropColumn("subscribed").execute();
      await db.schema.alterTable("mailboxes").addColumn("noselect", "integer", (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
