// What core needs from persistence. store/ implements this once with Kysely for SQLite and
// PostgreSQL; core never sees SQL or the dialect.
import type { Address, DomainName } from "../../mail/address.js";
import type { Alias, Domain, EpochMs, GroupMember, MailGroup, Role, User, UserStatus } from "../accounts/types.js";
import type { MailboxRepository, MailboxTreeRepository, MessageRepository, MessageStateRepository, QuotaRepository } from "./mailstore.js";
import type { DkimKeyRepository, OutboundRepository } from "./queue.js";
import type { Pop3SettingsRepository } from "./maildrop.js";
import type { FlowSettingsRepository, HeldMessageRepository, MessageTraceRepository } from "./mail-flow.js";
import type { Channel, LoginRecord, LoginResult, NewLoginRecord, ThrottleState } from "../auth/types.js";
import type { AppPasswordRepository, AuditRepository, IpRuleRepository, LoginSettingsRepository, PasswordHistoryRepository } from "./login-security.js";
import type { WebSessionRepository } from "./web-sessions.js";
import type { PasswordNoticeRepository, PhoneRepository } from "./phone.js";
import type { SmsOutboxRepository } from "./sms.js";
import type { TwoFactorRepository } from "./two-factor.js";
import type { AccessPolicyRepository } from "./access-policies.js";
import type { LoginEventRepository, LoginProfileRepository } from "./login-events.js";
import type { ForwardingAttemptRepository, SieveScriptRepository, VacationRepository } from "./user-rules.js";

export interface DomainRepository {
  create(name: DomainName, now: EpochMs): Promise<Domain>;
  findByName(name: DomainName): Promise<Domain | undefined>;
  findById(id: number): Promise<Domain | undefined>;
  list(): Promise<Domain[]>;
  /** Removes the domain and, in the same transaction, its users, aliases and groups. */
  remove(id: number): Promise<void>;
  /** Users + aliases + groups in the domain. */
  countAddresses(id: number): Promise<number>;
}

export interface NewUser {
  readonly domainId: number;
  readonly address: Address;
  readonly displayName: string;
  readonly role: Role;
  readonly quotaBytes: number;
  readonly passwordHash: string;
  readonly now: EpochMs;
}

export interface UserRepository {
  /** Throws MoatError('address_taken') when the address exists as a user. */
  create(user: NewUser): Promise<User>;
  findByAddress(address: Address): Promise<User | undefined>;
  findById(id: number): Promise<User | undefined>;
  /** Ordered by address. */
  list(domainId?: number): Promise<User[]>;
  /** temporary: an admin's reset; the user must choose a password at the next web login. */
  setPassword(id: number, passwordHash: string, changedAt: EpochMs, temporary: boolean): Promise<void>;
  setStatus(id: number, status: UserStatus): Promise<void>;
  remove(id: number): Promise<void>;
}

/** Who a local address is: the answer to "where does mail to it go", in one lookup. */
export type AddressOwner =
  /** inboxId: the user's INBOX, found by the same lookup (delivery needs it next); null if none. */
  | { readonly kind: "user"; readonly user: User; readonly inboxId: number | null }
  | { readonly kind: "alias"; readonly target: Address }
  | { readonly kind: "group"; readonly groupId: number }
  | { readonly kind: "none" };

export interface AddressRepository {
  /**
   * The user, alias or group with this address, or "none", when its domain is one of ours;
   * undefined when it is not. One query: mail delivery asks this for every recipient.
   */
  resolve(address: Address): Promise<AddressOwner | undefined>;
}

export interface AliasRepository {
  create(alias: { domainId: number; address: Address; target: Address; now: EpochMs }): Promise<Alias>;
  findByAddress(address: Address): Promise<Alias | undefined>;
  list(domainId?: number): Promise<Alias[]>;
  remove(id: number): Promise<void>;
}

export interface GroupRepository {
  create(group: { domainId: number; address: Address; name: string; now: EpochMs }): Promise<MailGroup>;
  findByAddress(address: Address): Promise<MailGroup | undefined>;
  list(domainId?: number): Promise<MailGroup[]>;
  /** Removes the group and its memberships. */
  remove(id: number): Promise<void>;
  /** Throws MoatError('member_exists') when the address is already a member. */
  addMember(groupId: number, member: GroupMember): Promise<void>;
  /** false when the address was not a member. */
  removeMember(groupId: number, address: Address): Promise<boolean>;
  /** Ordered by address. */
  listMembers(groupId: number): Promise<GroupMember[]>;
}

export interface LoginRecordQuery {
  readonly userId?: number;
  readonly identity?: string;
  readonly channel?: Channel;
  readonly result?: LoginResult;
  /** Only records strictly older than this id (keyset pagination, newest first). */
  readonly beforeId?: number;
  readonly limit: number;
  // Issue 8 item 1 (decision 0024):
  /** One address, in normal form (also finds records written before 0019). */
  readonly ip?: string;
  /** A CIDR range as its first and last key (shared/ip-key.ts); only records from 0019 on have keys. */
  readonly ipKeyRange?: { readonly from: string; readonly to: string };
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country?: string;
  /** at >= since and at < until. */
  readonly since?: EpochMs;
  readonly until?: EpochMs;
  /** A domain's records: those of its accounts (by id) and attempts naming an address of it that matched no account. */
  readonly domain?: { readonly name: string; readonly userIds: readonly number[] };
}

export interface LoginRecordRepository {
  append(record: NewLoginRecord): Promise<LoginRecord>;
  /** Newest first. */
  list(query: LoginRecordQuery): Promise<LoginRecord[]>;
  /** Deletes records older than the cut-off; returns how many. */
  prune(olderThan: EpochMs): Promise<number>;
  /** How many records of this account with this result at or after `since` (the success-after-failures rule). */
  countSince(userId: number, result: LoginResult, since: EpochMs): Promise<number>;
}

export interface ThrottleRepository {
  get(key: string): Promise<ThrottleState | undefined>;
  put(key: string, state: ThrottleState): Promise<void>;
  /**
   * Counts one failure atomically (one upsert, so concurrent failures on several nodes all
   * count). The count starts again at 1 when the last failure is older than `resetBefore`
   * or the key's block has expired by `now`. Returns the state after counting.
   */
  recordFailure(key: string, now: EpochMs, resetBefore: EpochMs): Promise<ThrottleState>;
  /** Blocks the key until the given time. */
  block(key: string, until: EpochMs): Promise<void>;
  clear(key: string): Promise<void>;
  /** Forget keys whose last failure is older than the cut-off and that are not blocked. */
  prune(olderThan: EpochMs): Promise<number>;
}

export interface TransactionOptions {
  /**
   * Group commit, for short write transactions that run often and independently (delivering a
   * message): fn may share one transaction, and its one commit and flush to disk, with other
   * group calls made at about the same time. fn runs in a savepoint of its own, so when it
   * throws only its writes are undone and only its call rejects. The call settles only once
   * the commit that holds fn's writes is on stable storage; when that commit fails, every
   * call of the group rejects. fn may see the writes of the calls before it in the group.
   */
  readonly group?: boolean;
  /**
   * With group only. false: the call settles once its batch has committed, without waiting
   * for the commit to reach stable storage (SQLite: no WAL sync; PostgreSQL: synchronous_commit
   * off). A crash of the process loses nothing; a crash of the machine may lose the last
   * moments of such writes, never half of one. For records whose loss then is acceptable and
   * whose wait is not: the login record of every login (decision 0019). Default true.
   */
  readonly durable?: boolean;
}

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  readonly domains: DomainRepository;
  readonly users: UserRepository;
  readonly addresses: AddressRepository;
  readonly aliases: AliasRepository;
  readonly groups: GroupRepository;
  readonly loginRecords: LoginRecordRepository;
  readonly throttle: ThrottleRepository;
  readonly loginSettings: LoginSettingsRepository;
  readonly appPasswords: AppPasswordRepository;
  readonly ipRules: IpRuleRepository;
  readonly accessPolicies: AccessPolicyRepository;
  readonly audit: AuditRepository;
  readonly passwordHistory: PasswordHistoryRepository;
  /** Bound phones and their one-time codes (issue 6, item 6). */
  readonly phones: PhoneRepository;
  readonly smsOutbox: SmsOutboxRepository;
  /** The last password-expiry reminder of each account (issue 6, item 5). */
  readonly passwordNotices: PasswordNoticeRepository;
  readonly webSessions: WebSessionRepository;
  /** TOTP, recovery codes, passkeys, remembered browsers (issue 6, item 3). */
  readonly twoFactor: TwoFactorRepository;
  readonly mailboxes: MailboxRepository;
  readonly messages: MessageRepository;
  readonly quota: QuotaRepository;
  readonly mailboxTree: MailboxTreeRepository;
  readonly messageState: MessageStateRepository;
  readonly outbound: OutboundRepository;
  readonly dkimKeys: DkimKeyRepository;
  readonly pop3Settings: Pop3SettingsRepository;
  /** Mail-flow settings and the message trace (issue 7). */
  readonly flowSettings: FlowSettingsRepository;
  readonly messageTraces: MessageTraceRepository;
  readonly heldMessages: HeldMessageRepository;
  /** User filter rules: Sieve scripts, vacation memory, forwarding attempts (issue 7 item 6). */
  readonly sieveScripts: SieveScriptRepository;
  readonly vacationReplies: VacationRepository;
  readonly forwardingAttempts: ForwardingAttemptRepository;
  /** Abnormal-login events and learned login profiles (issue 8 items 2 and 3). */
  readonly loginEvents: LoginEventRepository;
  readonly loginProfiles: LoginProfileRepository;
  /** Runs fn with repositories bound to one transaction; commits if it resolves. */
  transaction<T>(fn: (tx: Omit<Store, "transaction" | "close">) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}
