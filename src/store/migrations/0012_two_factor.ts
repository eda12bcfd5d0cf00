// Two-factor login (issue 6 item 3, decision 0013):
//   - two_factor_accounts: per account, the TOTP secret sealed with the key in the data folder
//     (decision 0011), a pending one during enrolment, the last time step used (a code is good
//     once), and when a domain's requirement first applied (the grace period counts from it).
//   - recovery_codes: ten one-time codes per account, stored as a keyed hash (as decision 0010).
//   - passkeys: WebAuthn credentials (id, COSE public key, signature counter, transports, name).
//   - remembered_browsers: "remember this browser for 30 days" tokens, stored as SHA-256.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function twoFactor(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("two_factor_accounts")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("totp_sealed", "text")
        .addColumn("totp_confirmed_at", t.epoch)
        .addColumn("totp_last_step", t.big)
        .addColumn("totp_pending_sealed", "text")
        .addColumn("totp_pending_at", t.epoch)
        .addColumn("required_since", t.epoch)
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("recovery_codes")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("used_at", t.epoch)
        .execute();
      await db.schema.createIndex("recovery_codes_user_idx").on("recovery_codes").column("user_id").execute();

      await db.schema
        .createTable("passkeys")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("credential_id", t.key, (c) => c.notNull().unique())
        .addColumn("public_key", "text", (c) => c.notNull())
        .addColumn("counter", t.big, (c) => c.notNull())
        .addColumn("transports", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("last_used_at", t.epoch)
        .execute();
      await db.schema.createIndex("passkeys_user_name_key").on("passkeys").columns(["user_id", "name"]).unique().execute();

      await db.schema
        .createTable("remembered_browsers")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("token_hash", t.key, (c) => c.notNull().unique())
        .addColumn("user_agent", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("expires_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("remembered_browsers_user_idx").on("remembered_browsers").column("user_id").execute();
    },
  };
}
