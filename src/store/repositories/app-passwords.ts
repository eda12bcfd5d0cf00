// Client security passwords (app passwords): looked up by account at each protocol login,
// so the (user_id, name) index serves both that and the name uniqueness.
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { ClientProtocol } from "../../core/auth/types.js";
import type { AppPassword, AppPasswordRepository, StoredAppPassword } from "../../core/ports/login-security.js";
import { MoatError } from "../../shared/errors.js";
import type { Database } from "../schema.js";
import type { AppPasswordsTable } from "../schema-login-security.js";
import { prepared } from "../prepared.js";

function toStored(row: Selectable<AppPasswordsTable>): StoredAppPassword {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    protocols: row.protocols === "" ? [] : (row.protocols.split(",") as ClientProtocol[]),
    hash: row.hash,
    keyId: row.key_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    lastUsedProtocol: row.last_used_protocol,
  };
}

/** The listed form: everything but the hash. */
function toPublic(row: Selectable<AppPasswordsTable>): AppPassword {
  const { hash: _hash, keyId: _keyId, ...rest } = toStored(row);
  return rest;
}

// Read at every protocol login and written at every success with one: compiled once (prepared.ts).
const ofUser = prepared((db, userId: number) => db.selectFrom("app_passwords").selectAll().where("user_id", "=", userId).orderBy("id"));
const used = prepared((db, id: number, at: EpochMs, ip: string, protocol: ClientProtocol) =>
  db.updateTable("app_passwords").set({ last_used_at: at, last_used_ip: ip, last_used_protocol: protocol }).where("id", "=", id),
);

export function appPasswordRepository(db: Kysely<Database>): AppPasswordRepository {
  return {
    async create(input): Promise<AppPassword> {
      const row = await db
        .insertInto("app_passwords")
        .values({
          user_id: input.userId,
          name: input.name,
          protocols: input.protocols.join(","),
          hash: input.hash,
          key_id: input.keyId,
          created_at: input.createdAt,
          last_used_at: null,
          last_used_ip: null,
          last_used_protocol: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new MoatError("invalid_input", `there is already a client security password named ${JSON.stringify(input.name)}`);
      return toPublic(row);
    },

    async listForUser(userId: number): Promise<StoredAppPassword[]> {
      return (await ofUser(db, userId)).map(toStored);
    },

    async remove(userId: number, name: string): Promise<AppPassword | undefined> {
      const row = await db.deleteFrom("app_passwords").where("user_id", "=", userId).where("name", "=", name).returningAll().executeTakeFirst();
      return row && toPublic(row);
    },

    async removeAllForUser(userId: number): Promise<number[]> {
      const rows = await db.deleteFrom("app_passwords").where("user_id", "=", userId).returning("id").execute();
      return rows.map((r) => r.id);
    },

    async markUsed(id: number, at: EpochMs, ip: string, protocol: ClientProtocol): Promise<void> {
      await used(db, id, at, ip, protocol);
    },

    async existingIds(ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom("app_passwords").select("id").where("id", "in", [...ids]).execute();
      return rows.map((r) => r.id);
    },
  };
}
