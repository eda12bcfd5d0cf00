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
import type { AuthMethod, Channel, DenyReason, LoginNetwork, LoginResult } from "../core/auth/types.js";
import type { OutboundOriginKind, OutboundStatus } from "../core/ports/queue.js";
import type { SpecialUse } from "../core/ports/mailstore.js";
import type { LoginSecurityTables } from "./schema-login-security.js";
import type { MailReadTables } from "./schema-mail-read.js";
import type { MailFlowTables } from "./schema-mail-flow.js";
import type { LoginEventTables } from "./schema-login-events.js";
import type { UserRulesTables } from "./schema-user-rules.js";
import type { PhoneTables } from "./schema-phone.js";
import type { WebSessionTables } from "./schema-web-sessions.js";
import type { TwoFactorTables } from "./schema-two-factor.js";
import type { AccessPolicyTables } from "./schema-access-policies.js";

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
  /** 1 after an admin set a temporary password (0011). */
  must_change_password: Generated<number>;
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
  result: LoginResult;
  reason: DenyReason | "ok";
  /** 0019: the address as 32 hex digits (shared/ip-key.ts), for IP and CIDR filters. */
  ip_key: string | null;
  network: LoginNetwork | null;
  country: string | null;
  region: string | null;
  city: string | null;
  asn: number | null;
  as_org: string | null;
  app_password_name: string | null;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  first_failure_at: EpochMs;
  last_failure_at: EpochMs;
  blocked_until: EpochMs | null;
}

export interface MailboxesTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  special_use: SpecialUse | null;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  created_at: EpochMs;
  /** 1: a \Noselect name kept above its children after DELETE (0009); SQLite has no boolean. */
  noselect: Generated<number>;
  /** UIDs from here on are \Recent for the next session that selects the mailbox (0004). */
  first_recent_uid: Generated<number>;
}

export interface MessageBodiesTable {
  hash: string;
  size: number;
  inline_data: Buffer | null;
  /** MessageSummary (the index without its text); whole MessageIndex in rows from before 0010. */
  index_json: string;
  /** MessageIndex.bodyText; NULL in rows from before 0010 (then it is in index_json). */
  body_text: string | null;
  created_at: EpochMs;
  /**
   * A body stored over another (0021): its bytes are `prefix` then those of the inline body
   * `base_hash` from `base_offset` on; inline_data is NULL and its search text is the base's.
   */
  base_hash: string | null;
  base_offset: number | null;
  prefix: Buffer | null;
}

export interface MessagesTable {
  id: Generated<number>;
  mailbox_id: number;
  uid: number;
  modseq: number;
  body_hash: string;
  size: number;
  /** Space-separated, as IMAP spells them ("\\Seen $Label1"). */
  flags: string;
  internal_date: EpochMs;
}

/** A UID expunged from a mailbox and the MODSEQ of the expunge, for QRESYNC VANISHED (0004). */
export interface ExpungedTable {
  mailbox_id: number;
  uid: number;
  modseq: number;
}

/** A user's subscribed mailbox names, kept when the mailbox goes (0009, RFC 3501 §6.3.6). */
export interface SubscriptionsTable {
  user_id: number;
  name: string;
}

/** The last UIDVALIDITY given to one of the user's mailboxes, so none is ever given twice (0004). */
export interface MailboxUidValidityTable {
  user_id: number;
  last_value: number;
}

export interface QuotaUsageTable {
  user_id: number;
  used_bytes: number;
}

export interface OutboundMessagesTable {
  id: Generated<number>;
  blob_hash: string;
  size: number;
  mail_from: Address | null;
  from_domain: DomainName | null;
  origin_kind: OutboundOriginKind;
  envelope_id: string | null;
  /** Flags are 0 or 1: SQLite has no boolean. */
  is_bounce: number;
  dkim_signed: number;
  smtp_utf8: number;
  body_8bit: number;
  created_at: EpochMs;
}

export interface OutboundRecipientsTable {
  id: Generated<number>;
  message_id: number;
  address: Address;
  domain: DomainName;
  status: OutboundStatus;
  attempts: number;
  next_attempt_at: EpochMs;
  last_error: string | null;
  last_attempt_at: EpochMs | null;
  delivered_at: EpochMs | null;
}

export interface DkimKeysTable {
  id: Generated<number>;
  domain_id: number;
  selector: string;
  /** SecretSealer output; plain PEM in rows from before it (resealed on first read). */
  private_key_sealed: string;
  public_key_b64: string;
  created_at: EpochMs;
}

/** Per-domain POP3 settings (0005); no row means the defaults. */
export interface DomainPop3SettingsTable {
  domain_id: number;
  /** 0 or 1: SQLite has no boolean. */
  leave_on_server: number;
  folder: string;
}

export interface Database extends LoginSecurityTables, WebSessionTables, PhoneTables, TwoFactorTables, AccessPolicyTables, MailFlowTables, MailReadTables, UserRulesTables, LoginEventTables {
  addresses: AddressesTable;
  domains: DomainsTable;
  users: UsersTable;
  aliases: AliasesTable;
  mail_groups: MailGroupsTable;
  group_members: GroupMembersTable;
  login_records: LoginRecordsTable;
  auth_throttle: AuthThrottleTable;
  mailboxes: MailboxesTable;
  subscriptions: SubscriptionsTable;
  message_bodies: MessageBodiesTable;
  messages: MessagesTable;
  quota_usage: QuotaUsageTable;
  outbound_messages: OutboundMessagesTable;
  outbound_recipients: OutboundRecipientsTable;
  dkim_keys: DkimKeysTable;
  expunged: ExpungedTable;
  mailbox_uid_validity: MailboxUidValidityTable;
  domain_pop3_settings: DomainPop3SettingsTable;
}
