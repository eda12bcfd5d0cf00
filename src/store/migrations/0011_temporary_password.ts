// An admin's reset sets a temporary password (issue 6, item 5): the account must choose its
// own at the next web login, and until then no protocol login takes the temporary one.
import type { Kysely, Migration } from "kysely";

export function temporaryPassword(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("users").addColumn("must_change_password", "integer", (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
