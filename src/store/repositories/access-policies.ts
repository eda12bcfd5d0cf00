// Access policies: a login reads its domain's enabled ones by the (domain_id, name) index.
import type { Kysely, Selectable } from "kysely";
import type { AccessPolicy, AccessPolicyInput, AccessPolicyRepository } from "../../core/ports/access-policies.js";
import { MoatError } from "../../shared/errors.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";
import type { AccessPoliciesTable } from "../schema-access-policies.js";

const list = <T>(json: string): T[] => JSON.parse(json) as T[];

function toPolicy(row: Selectable<AccessPoliciesTable>): AccessPolicy {
  return {
    id: row.id,
    domainId: row.domain_id,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    mode: row.mode,
    appliesTo: row.applies_to,
    users: list(row.users_json),
    groups: list(row.groups_json),
    except: list(row.except_json),
    ips: list(row.ips_json),
    countries: list(row.countries_json),
    channels: list(row.channels_json),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

function toRow(p: AccessPolicyInput) {
  return {
    enabled: p.enabled ? 1 : 0,
    mode: p.mode,
    applies_to: p.appliesTo,
    users_json: JSON.stringify(p.users),
    groups_json: JSON.stringify(p.groups),
    except_json: JSON.stringify(p.except),
    ips_json: JSON.stringify(p.ips),
    countries_json: JSON.stringify(p.countries),
    channels_json: JSON.stringify(p.channels),
    updated_at: p.updatedAt,
    updated_by: p.updatedBy,
  };
}

// Read at every login of the domain: compiled once (prepared.ts).
const enabledOf = prepared((db, domainId: number) => db.selectFrom("access_policies").selectAll().where("domain_id", "=", domainId).where("enabled", "=", 1).orderBy("name"));

export function accessPolicyRepository(db: Kysely<Database>): AccessPolicyRepository {
  return {
    async create(p: AccessPolicyInput): Promise<AccessPolicy> {
      const row = await db
        .insertInto("access_policies")
        .values({ domain_id: p.domainId, name: p.name, created_at: p.createdAt, ...toRow(p) })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new MoatError("invalid_input", `there is already an access policy named ${JSON.stringify(p.name)} in this domain`);
      return toPolicy(row);
    },

    async update(id: number, p: AccessPolicyInput): Promise<AccessPolicy | undefined> {
      const row = await db.updateTable("access_policies").set(toRow(p)).where("id", "=", id).returningAll().executeTakeFirst();
      return row && toPolicy(row);
    },

    async find(domainId: number, name: string): Promise<AccessPolicy | undefined> {
      const row = await db.selectFrom("access_policies").selectAll().where("domain_id", "=", domainId).where("name", "=", name).executeTakeFirst();
      return row && toPolicy(row);
    },

    async list(domainId?: number): Promise<AccessPolicy[]> {
      let query = db.selectFrom("access_policies").selectAll().orderBy("domain_id").orderBy("name");
      if (domainId !== undefined) query = query.where("domain_id", "=", domainId);
      return (await query.execute()).map(toPolicy);
    },

    async enabledFor(domainId: number): Promise<AccessPolicy[]> {
      return (await enabledOf(db, domainId)).map(toPolicy);
    },

    async remove(id: number): Promise<boolean> {
      const result = await db.deleteFrom("access_policies").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
