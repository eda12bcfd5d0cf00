// DKIM private keys are kept sealed (core/ports/sealer.ts, decision 0011): the column says so.
// Rows written before hold plain PEM; DkimService seals each the first time it reads it, since
// the key that seals lives in the data folder, out of a migration's reach.
import type { Kysely, Migration } from "kysely";

export function dkimSealed(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("dkim_keys").renameColumn("private_key_pem", "private_key_sealed").execute();
    },
  };
}
