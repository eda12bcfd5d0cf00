// Users. An address is unique among users by index; that it is also not an alias or a group
// is core's check (see the report on the port for the cross-table gap).
import type { Kysely, Selectable } from "kysely";
import type { EpochMs, User, UserStatus } from "../../core/accounts/types.js";
import type { NewUser, UserRepository } from "../../core/ports/store.js";
import type { Address } from "../../mail/address.js";
import { mapConstraints } from "../errors.js";
import { removeWithClaim, withAddressClaim } from "./address-claims.js";
import { prepared } from "../prepared.js";
import type { Database, UsersTable } from "../schema.js";

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    domainId: row.domain_id,
    address: row.address,
    displayName: row.display_name,
    status: row.status,
    role: row.role,
    quotaBytes: row.quota_bytes,
    passwordHash: row.password_hash,
    passwordChangedAt: row.password_changed_at,
    mustChangePassword: row.must_change_password === 1,
    createdAt: row.created_at,
  };
}

// Asked for every recipient of every message: compiled once (prepared.ts).
const byAddress = prepared((db, address: Address) => db.selectFrom("users").selectAll().where("address", "=", address));

export function userRepository(db: Kysely<Database>): UserRepository {
  return {
    async create(user: NewUser): Promise<User> {
      const row = await mapConstraints(
        () =>
          withAddressClaim(db, { address: user.address, domainId: user.domainId, kind: "user" }, (trx) =>
            trx
              .insertInto("users")
              .values({
                domain_id: user.domainId,
                address: user.address,
                display_name: user.displayName,
                status: "active",
                role: user.role,
                quota_bytes: user.quotaBytes,
                password_hash: user.passwordHash,
                password_changed_at: user.now,
                created_at: user.now,
              })
              .onConflict((oc) => oc.doNothing())
              .returningAll()
              .executeTakeFirst(),
          ),
        { unique: "address_taken", foreign_key: "domain_not_found" },
      );
      return toUser(row);
    },

    async findByAddress(address: Address): Promise<User | undefined> {
      const [row] = await byAddress(db, address);
      return row && toUser(row);
    },

    async findById(id: number): Promise<User | undefined> {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toUser(row);
    },

    async list(domainId?: number): Promise<User[]> {
      let query = db.selectFrom("users").selectAll().orderBy("address");
      if (domainId !== undefined) query = query.where("domain_id", "=", domainId);
      return (await query.execute()).map(toUser);
    },

    async setPassword(id: number, passwordHash: string, changedAt: EpochMs, temporary: boolean): Promise<void> {
      await db
        .updateTable("users")
        .set({ password_hash: passwordHash, password_changed_at: changedAt, must_change_password: temporary ? 1 : 0 })
        .where("id", "=", id)
        .execute();
    },

    async setStatus(id: number, status: UserStatus): Promise<void> {
      await db.updateTable("users").set({ status }).where("id", "=", id).execute();
    },

    async remove(id: number): Promise<void> {
      await removeWithClaim(db, async (trx) => (await trx.deleteFrom("users").where("id", "=", id).returning("address").executeTakeFirst())?.address);
    },
  };
}
