// DKIM signing keys, per domain and selector. A key goes with its domain (ON DELETE CASCADE).
// The private key arrives sealed by core (DkimService with a SecretSealer): this repository
// never sees it in the clear.
import type { Kysely } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { DkimKey, DkimKeyRepository } from "../../core/ports/queue.js";
import type { DomainName } from "../../mail/address.js";
import type { Database } from "../schema.js";

interface KeyRow {
  domain_id: number;
  domain: DomainName;
  selector: string;
  private_key_sealed: string;
  public_key_b64: string;
  created_at: EpochMs;
}

function toKey(row: KeyRow): DkimKey {
  return {
    domainId: row.domain_id,
    domain: row.domain,
    selector: row.selector,
    privateKeySealed: row.private_key_sealed,
    publicKeyB64: row.public_key_b64,
    createdAt: row.created_at,
  };
}

export function dkimKeyRepository(db: Kysely<Database>): DkimKeyRepository {
  const keys = () =>
    db
      .selectFrom("dkim_keys as k")
      .innerJoin("domains as d", "d.id", "k.domain_id")
      .select(["k.domain_id", "d.name as domain", "k.selector", "k.private_key_sealed", "k.public_key_b64", "k.created_at"])
      // Newest first; the id breaks ties between keys made in the same millisecond.
      .orderBy("k.created_at", "desc")
      .orderBy("k.id", "desc");

  return {
    async create(key): Promise<boolean> {
      const row = await db
        .insertInto("dkim_keys")
        .values({
          domain_id: key.domainId,
          selector: key.selector,
          private_key_sealed: key.privateKeySealed,
          public_key_b64: key.publicKeyB64,
          created_at: key.now,
        })
        .onConflict((oc) => oc.doNothing())
        .returning("id")
        .executeTakeFirst();
      return row !== undefined;
    },

    async reseal(domainId: number, selector: string, privateKeySealed: string): Promise<void> {
      await db
        .updateTable("dkim_keys")
        .set({ private_key_sealed: privateKeySealed })
        .where("domain_id", "=", domainId)
        .where("selector", "=", selector)
        .execute();
    },

    async findForDomain(domain: DomainName): Promise<DkimKey | undefined> {
      const row = await keys().where("d.name", "=", domain).limit(1).executeTakeFirst();
      return row && toKey(row);
    },

    async list(domainId: number): Promise<DkimKey[]> {
      return (await keys().where("k.domain_id", "=", domainId).execute()).map(toKey);
    },
  };
}
