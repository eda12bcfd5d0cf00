// Mail groups and their members. A member is one of our users (user_id set, so the membership
// disappears with the user) or an outside address (user_id null).
import type { Kysely, Selectable } from "kysely";
import type { EpochMs, GroupMember, MailGroup } from "../../core/accounts/types.js";
import type { GroupRepository } from "../../core/ports/store.js";
import type { Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import { mapConstraints } from "../errors.js";
import { removeWithClaim, withAddressClaim } from "./address-claims.js";
import { prepared } from "../prepared.js";
import type { Database, GroupMembersTable, MailGroupsTable } from "../schema.js";

function toGroup(row: Selectable<MailGroupsTable>): MailGroup {
  return { id: row.id, domainId: row.domain_id, address: row.address, name: row.name, createdAt: row.created_at };
}

function toMember(row: Pick<Selectable<GroupMembersTable>, "address" | "user_id">): GroupMember {
  return row.user_id === null
    ? { kind: "external", address: row.address }
    : { kind: "user", userId: row.user_id, address: row.address };
}

// Asked for local addresses that are not users: compiled once (prepared.ts).
const byAddress = prepared((db, address: Address) => db.selectFrom("mail_groups").selectAll().where("address", "=", address));

export function groupRepository(db: Kysely<Database>): GroupRepository {
  return {
    async create(group: { domainId: number; address: Address; name: string; now: EpochMs }): Promise<MailGroup> {
      const row = await mapConstraints(
        () =>
          withAddressClaim(db, { address: group.address, domainId: group.domainId, kind: "group" }, (trx) =>
            trx
              .insertInto("mail_groups")
              .values({ domain_id: group.domainId, address: group.address, name: group.name, created_at: group.now })
              .onConflict((oc) => oc.doNothing())
              .returningAll()
              .executeTakeFirst(),
          ),
        { unique: "address_taken", foreign_key: "domain_not_found" },
      );
      return toGroup(row);
    },

    async findByAddress(address: Address): Promise<MailGroup | undefined> {
      const [row] = await byAddress(db, address);
      return row && toGroup(row);
    },

    async list(domainId?: number): Promise<MailGroup[]> {
      let query = db.selectFrom("mail_groups").selectAll().orderBy("address");
      if (domainId !== undefined) query = query.where("domain_id", "=", domainId);
      return (await query.execute()).map(toGroup);
    },

    async remove(id: number): Promise<void> {
      // Memberships go with the group through ON DELETE CASCADE.
      await removeWithClaim(db, async (trx) => (await trx.deleteFrom("mail_groups").where("id", "=", id).returning("address").executeTakeFirst())?.address);
    },

    async addMember(groupId: number, member: GroupMember): Promise<void> {
      const row = await mapConstraints(
        () =>
          db
            .insertInto("group_members")
            .values({ group_id: groupId, address: member.address, user_id: member.kind === "user" ? member.userId : null })
            .onConflict((oc) => oc.doNothing())
            .returning("id")
            .executeTakeFirst(),
        // SQLite does not say which reference failed; a missing user member lands here too.
        { unique: "member_exists", foreign_key: "group_not_found" },
      );
      if (row === undefined) throw new MoatError("member_exists");
    },

    async removeMember(groupId: number, address: Address): Promise<boolean> {
      const result = await db
        .deleteFrom("group_members")
        .where("group_id", "=", groupId)
        .where("address", "=", address)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async listMembers(groupId: number): Promise<GroupMember[]> {
      const rows = await db
        .selectFrom("group_members")
        .select(["address", "user_id"])
        .where("group_id", "=", groupId)
        .orderBy("address")
        .execute();
      return rows.map(toMember);
    },
  };
}
