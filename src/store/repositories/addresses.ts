// Who an address is (AddressRepository.resolve): the domain, and the user (with the user's
// INBOX), alias or group with the address, in one statement. Delivery asks it for every
// recipient at RCPT and again at DATA; as separate lookups that was up to five queries.
import type { Kysely, Selectable } from "kysely";
import type { AddressOwner, AddressRepository } from "../../core/ports/store.js";
import { domainOf, type Address, type DomainName } from "../../mail/address.js";
import { prepared } from "../prepared.js";
import type { Database, UsersTable } from "../schema.js";
import { toUser } from "./users.js";

// Each table's unique index on address makes every join at most one row. An address is one
// kind only (address-claims.ts); were it ever several, user wins, then alias, then group.
const owner = prepared((db, domain: DomainName, address: Address) =>
  db
    .selectFrom("domains as d")
    .leftJoin("users as u", (join) => join.on("u.address", "=", address))
    .leftJoin("aliases as a", (join) => join.on("a.address", "=", address))
    .leftJoin("mail_groups as g", (join) => join.on("g.address", "=", address))
    // "INBOX" is always stored upper-case (RFC 3501 §5.1), and (user_id, name) is unique.
    .leftJoin("mailboxes as m", (join) => join.onRef("m.user_id", "=", "u.id").on("m.name", "=", "INBOX"))
    .select([
      "u.id",
      "u.domain_id",
      "u.address",
      "u.display_name",
      "u.status",
      "u.role",
      "u.quota_bytes",
      "u.password_hash",
      "u.password_changed_at",
      "u.must_change_password",
      "u.created_at",
      "a.target as alias_target",
      "g.id as group_id",
      "m.id as inbox_id",
    ])
    .where("d.name", "=", domain),
);

export function addressRepository(db: Kysely<Database>): AddressRepository {
  return {
    async resolve(address: Address): Promise<AddressOwner | undefined> {
      const [row] = await owner(db, domainOf(address), address);
      if (row === undefined) return undefined;
      if (row.id !== null) return { kind: "user", user: toUser(row as Selectable<UsersTable>), inboxId: row.inbox_id };
      if (row.alias_target !== null) return { kind: "alias", target: row.alias_target };
      if (row.group_id !== null) return { kind: "group", groupId: row.group_id };
      return { kind: "none" };
    },
  };
}
