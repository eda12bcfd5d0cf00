// One address names at most one user, alias or group. Each table's own unique index cannot
// say that across tables, and a check-then-insert in core races (two admins, or two nodes on
// PostgreSQL, creating the same address as a user and as an alias at once). So every create
// first claims the address in `addresses` (primary key) in the same transaction as its insert.
import type { Kysely, Transaction } from "kysely";
import type { Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { AddressKind, Database } from "../schema.js";

/** Runs fn in a transaction: db's own when it already is one, else a new one. */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<Database>) => fn(trx));
}

/**
 * Claims the address for a new row and inserts it, atomically. `insert` returns undefined when
 * its own unique index refused the row (ON CONFLICT DO NOTHING); both cases are address_taken.
 */
export function withAddressClaim<T>(
  db: Kysely<Database>,
  claim: { address: Address; domainId: number; kind: AddressKind },
  insert: (trx: Kysely<Database>) => Promise<T | undefined>,
): Promise<T> {
  return inTransaction(db, async (trx) => {
    const claimed = await trx
      .insertInto("addresses")
      .values({ address: claim.address, domain_id: claim.domainId, kind: claim.kind })
      .onConflict((oc) => oc.doNothing())
      .returning("address")
      .executeTakeFirst();
    if (claimed === undefined) throw new MoatError("address_taken");
    const row = await insert(trx);
    if (row === undefined) throw new MoatError("address_taken");
    return row;
  });
}

/** Deletes a row with an address and releases the claim, atomically. */
export function removeWithClaim(
  db: Kysely<Database>,
  remove: (trx: Kysely<Database>) => Promise<Address | undefined>,
): Promise<void> {
  return inTransaction(db, async (trx) => {
    const address = await remove(trx);
    if (address !== undefined) await trx.deleteFrom("addresses").where("address", "=", address).execute();
  });
}
