// Domains. Removing one removes its users, aliases, groups and memberships through the
// foreign keys' ON DELETE CASCADE, in the one DELETE statement, so it is atomic by itself.
import type { Kysely, Selectable } from "kysely";
import type { Domain, EpochMs } from "../../core/accounts/types.js";
import type { DomainRepository } from "../../core/ports/store.js";
import type { DomainName } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import { mapConstraints } from "../errors.js";
import { prepared } from "../prepared.js";
import type { Database, DomainsTable } from "../schema.js";

function toDomain(row: Selectable<DomainsTable>): Domain {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

// Asked for every recipient of every message: compiled once (prepared.ts).
const byName = prepared((db, name: DomainName) => db.selectFrom("domains").selectAll().where("name", "=", name));

export function domainRepository(db: Kysely<Database>): DomainRepository {
  return {
    async create(name: DomainName, now: EpochMs): Promise<Domain> {
      const row = await mapConstraints(
        () =>
          db
            .insertInto("domains")
            .values({ name, created_at: now })
            .onConflict((oc) => oc.doNothing())
            .returningAll()
            .executeTakeFirst(),
        { unique: "domain_exists" },
      );
      if (row === undefined) throw new MoatError("domain_exists");
      return toDomain(row);
    },

    async findByName(name: DomainName): Promise<Domain | undefined> {
      const [row] = await byName(db, name);
      return row && toDomain(row);
    },

    async findById(id: number): Promise<Domain | undefined> {
      const row = await db.selectFrom("domains").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toDomain(row);
    },

    async list(): Promise<Domain[]> {
      const rows = await db.selectFrom("domains").selectAll().orderBy("name").execute();
      return rows.map(toDomain);
    },

    async remove(id: number): Promise<void> {
      await db.deleteFrom("domains").where("id", "=", id).execute();
    },

    async countAddresses(id: number): Promise<number> {
      // One statement, so the three counts come from one snapshot on PostgreSQL too.
      const count = (table: "users" | "aliases" | "mail_groups") =>
        db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).where("domain_id", "=", id);
      const row = await db
        .selectNoFrom([count("users").as("users"), count("aliases").as("aliases"), count("mail_groups").as("groups")])
        .executeTakeFirstOrThrow();
      return Number(row.users) + Number(row.aliases) + Number(row.groups);
    },
  };
}
