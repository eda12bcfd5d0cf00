// Aliases: an address whose mail goes to another address (a user, a group or outside).
import type { Kysely, Selectable } from "kysely";
import type { Alias, EpochMs } from "../../core/accounts/types.js";
import type { AliasRepository } from "../../core/ports/store.js";
import type { Address } from "../../mail/address.js";
import { mapConstraints } from "../errors.js";
import { removeWithClaim, withAddressClaim } from "./address-claims.js";
import { prepared } from "../prepared.js";
import type { AliasesTable, Database } from "../schema.js";

function toAlias(row: Selectable<AliasesTable>): Alias {
  return { id: row.id, domainId: row.domain_id, address: row.address, target: row.target, createdAt: row.created_at };
}

// Asked for local addresses that are not users: compiled once (prepared.ts).
const byAddress = prepared((db, address: Address) => db.selectFrom("aliases").selectAll().where("address", "=", address));

export function aliasRepository(db: Kysely<Database>): AliasRepository {
  return {
    async create(alias: { domainId: number; address: Address; target: Address; now: EpochMs }): Promise<Alias> {
      const row = await mapConstraints(
        () =>
          withAddressClaim(db, { address: alias.address, domainId: alias.domainId, kind: "alias" }, (trx) =>
            trx
              .insertInto("aliases")
              .values({ domain_id: alias.domainId, address: alias.address, target: alias.target, created_at: alias.now })
              .onConflict((oc) => oc.doNothing())
              .returningAll()
              .executeTakeFirst(),
          ),
        { unique: "address_taken", foreign_key: "domain_not_found" },
      );
      return toAlias(row);
    },

    async findByAddress(address: Address): Promise<Alias | undefined> {
      const [row] = await byAddress(db, address);
      return row && toAlias(row);
    },

    async list(domainId?: number): Promise<Alias[]> {
      let query = db.selectFrom("aliases").selectAll().orderBy("address");
      if (domainId !== undefined) query = query.where("domain_id", "=", domainId);
      return (await query.execute()).map(toAlias);
    },

    async remove(id: number): Promise<void> {
      await removeWithClaim(db, async (trx) => (await trx.deleteFrom("aliases").where("id", "=", id).returning("address").executeTakeFirst())?.address);
    },
  };
}
