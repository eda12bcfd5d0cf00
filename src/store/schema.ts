// The one schema, as Kysely sees it. Both dialects hold exactly these tables; the migrations
// in migrations/ create them. Column types are the TypeScript values a row holds after the
// driver parsed it: SQLite returns integers as numbers, and the PostgreSQL pool parses int8
// into numbers (see postgres.ts), so ids, times and counts are `number` on both.
//
// Address and domain columns carry the branded core types: only core's canonical values are
// ever written, so reading them back as Address/DomainName is sound and saves a cast per row.
import type { Generated } from "kysely";
import type { Address, DomainName } from "../mail/address.js";
import type { EpochMs, Role, UserStatus } from "../core/accounts/types.js";
import type { AuthMethod, Channel, DenyReason } from "../core/auth/types.js";

/** The two SQL dialects Moat runs on. */
export type SqlDialect = "sqlite" | "postgres";

export interface DomainsTable {
  id: Generated<number>;
  name: DomainName;
  created_at: EpochMs;
}

/** Which table holds an address (see repositories/address-claims.ts). */
export type AddressKind = "user" | "alias" | "group";

export interface AddressesTable {
  address: Address;
  domain_id: number;
  kind: AddressKind;
}

export interface UsersTable {
  id: Generated<number>;
  domain_id: number;
  address: Address;
  display_name: string;
  status: UserStatus;
  role: Role;
  quota_bytes: number;
  password_hash: string;
  password_changed_at: EpochMs;
  created_at: EpochMs;
}

export interface AliasesTable {
  id: Generated<number>;
  domain_id: number;
  address: Address;
  target: Address;
  created_at: EpochMs;
}

export interface MailGroupsTable {
  id: Generated<number>;
  domain_id: number;
  address: Address;
  name: string;
  created_at: EpochMs;
}

export interface GroupMembersTable {
  id: Generated<number>;
  group_id: number;
  /** The member's address; for a user member, that user's address. */
  address: Address;
  /** Set for a member that is one of our users (removing the user removes the membership). */
  user_id: number | null;
}

export interface LoginRecordsTable {
  id: Generated<number>;
  at: EpochMs;
  identity: string;
  user_id: number | null;
  channel: Channel;
  ip: string;
  client_id: string | null;
  method: AuthMethod;
  result: "success" | "failure";
  reason: DenyReason | "ok";
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  first_failure_at: EpochMs;
  last_failure_at: EpochMs;
  blocked_until: EpochMs | null;
}

export interface Database {
  addresses: AddressesTable;
  domains: DomainsTable;
  users: UsersTable;
  aliases: AliasesTable;
  mail_groups: MailGroupsTable;
  group_members: GroupMembersTable;
  login_records: LoginRecordsTable;
  auth_throttle: AuthThrottleTable;
}
