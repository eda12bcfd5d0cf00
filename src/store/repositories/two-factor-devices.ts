// Two-factor login (decision 0013): WebAuthn passkeys and remembered browsers of an account.
import type { Kysely, Selectable } from "kysely";
import type { Passkey, RememberedBrowser, StoredPasskey, TwoFactorRepository } from "../../core/ports/two-factor.js";
import { MoatError } from "../../shared/errors.js";
import type { Database } from "../schema.js";
import type { PasskeysTable, RememberedBrowsersTable } from "../schema-two-factor.js";

function toStoredPasskey(row: Selectable<PasskeysTable>): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: row.transports === "" ? [] : row.transports.split(","),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function toPasskey(row: Selectable<PasskeysTable>): Passkey {
  const { publicKey: _p, counter: _c, ...rest } = toStoredPasskey(row);
  return rest;
}

function toBrowser(row: Selectable<RememberedBrowsersTable>): RememberedBrowser {
  return { id: row.id, userId: row.user_id, userAgent: row.user_agent, createdAt: row.created_at, expiresAt: row.expires_at };
}

type Devices = Pick<TwoFactorRepository, "addPasskey" | "passkeys" | "passkeyUsed" | "removePasskey" | "addBrowser" | "findBrowser" | "browsers" | "removeBrowsers">;

export function twoFactorDevices(db: Kysely<Database>): Devices {
  return {
    async addPasskey(input) {
      const row = await db
        .insertInto("passkeys")
        .values({
          user_id: input.userId,
          name: input.name,
          credential_id: input.credentialId,
          public_key: input.publicKey,
          counter: input.counter,
          transports: input.transports.join(","),
          created_at: input.createdAt,
          last_used_at: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new MoatError("invalid_input", `this passkey, or one named ${JSON.stringify(input.name)}, is already registered`);
      return toPasskey(row);
    },

    async passkeys(userId) {
      const rows = await db.selectFrom("passkeys").selectAll().where("user_id", "=", userId).orderBy("id").execute();
      return rows.map(toStoredPasskey);
    },

    async passkeyUsed(id, counter, now) {
      await db.updateTable("passkeys").set({ counter, last_used_at: now }).where("id", "=", id).execute();
    },

    async removePasskey(userId, name) {
      const row = await db.deleteFrom("passkeys").where("user_id", "=", userId).where("name", "=", name).returningAll().executeTakeFirst();
      return row && toPasskey(row);
    },

    async addBrowser(input) {
      const row = await db
        .insertInto("remembered_browsers")
        .values({ user_id: input.userId, token_hash: input.tokenHash, user_agent: input.userAgent, created_at: input.createdAt, expires_at: input.expiresAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toBrowser(row);
    },

    async findBrowser(tokenHash, now) {
      const row = await db.selectFrom("remembered_browsers").selectAll().where("token_hash", "=", tokenHash).where("expires_at", ">", now).executeTakeFirst();
      return row && toBrowser(row);
    },

    async browsers(userId, now) {
      const rows = await db.selectFrom("remembered_browsers").selectAll().where("user_id", "=", userId).where("expires_at", ">", now).orderBy("id").execute();
      return rows.map(toBrowser);
    },

    async removeBrowsers(userId) {
      const result = await db.deleteFrom("remembered_browsers").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
