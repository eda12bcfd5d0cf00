// What the login-security features of issue 6 need from persistence: per-domain and
// per-account settings, client security passwords, IP rules and the admin audit log.
// The store keeps settings as JSON it does not interpret; core validates them (login-settings.ts).
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { Channel, ClientProtocol } from "../auth/types.js";

export interface LoginSettingsRepository {
  /** The stored settings object of a domain, or undefined when its admin never changed one. */
  getDomain(domainId: number): Promise<unknown>;
  putDomain(domainId: number, settings: object, now: EpochMs): Promise<void>;
  getUser(userId: number): Promise<unknown>;
  putUser(userId: number, settings: object, now: EpochMs): Promise<void>;
  /** The addresses of the mail groups the user is a member of. */
  groupsOfUser(userId: number): Promise<Address[]>;
}

/** A client security password as listed; the hash never leaves core/auth. */
export interface AppPassword {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  /** Empty: every client protocol. */
  readonly protocols: readonly ClientProtocol[];
  readonly createdAt: EpochMs;
  readonly lastUsedAt: EpochMs | null;
  readonly lastUsedIp: string | null;
  readonly lastUsedProtocol: ClientProtocol | null;
}

export interface StoredAppPassword extends AppPassword {
  /** Hex HMAC-SHA256 of the normalised secret under the key named by keyId. */
  readonly hash: string;
  readonly keyId: string;
}

export interface AppPasswordRepository {
  /** Throws MoatError('invalid_input') when the user already has one with this name. */
  create(input: Omit<StoredAppPassword, "id" | "lastUsedAt" | "lastUsedIp" | "lastUsedProtocol">): Promise<AppPassword>;
  /** Ordered by creation. */
  listForUser(userId: number): Promise<StoredAppPassword[]>;
  /** The removed row, or undefined when there was none by that name. */
  remove(userId: number, name: string): Promise<AppPassword | undefined>;
  /** Removes all of the user's; returns their ids. */
  removeAllForUser(userId: number): Promise<number[]>;
  markUsed(id: number, at: EpochMs, ip: string, protocol: ClientProtocol): Promise<void>;
  /** Which of these ids still exist (live sessions of the others must end). */
  existingIds(ids: readonly number[]): Promise<number[]>;
}

export type IpRuleAction = "block" | "allow";

export interface IpRule {
  readonly id: number;
  readonly action: IpRuleAction;
  /** Normal form, e.g. "10.0.0.0/8", "2001:db8::/64". */
  readonly cidr: string;
  /** Null: install-wide (blocks only). */
  readonly domainId: number | null;
  /** Set for an account allowlist entry (domainId is then the account's domain). */
  readonly userId: number | null;
  /** Null: every channel. */
  readonly channel: Channel | null;
  readonly expiresAt: EpochMs | null;
  readonly note: string;
  /** "auto": made by the automatic block of an address failing across accounts. */
  readonly origin: "admin" | "auto";
  readonly createdAt: EpochMs;
  readonly createdBy: string;
}

export interface IpRuleRepository {
  add(rule: Omit<IpRule, "id">): Promise<IpRule>;
  /** Every rule not expired at `now`, install-wide first. */
  list(now: EpochMs): Promise<IpRule[]>;
  /** Rules that can decide a login to this domain: install-wide ones and the domain's own. */
  forDomain(domainId: number | null, now: EpochMs): Promise<IpRule[]>;
  /** Removes the rules of this action and CIDR (in one domain, or install-wide when null); returns them. */
  remove(action: IpRuleAction, cidr: string, scope: { domainId: number | null; userId?: number | null; channel?: Channel | null } | "any"): Promise<IpRule[]>;
  /** Deletes rules that expired before the cut-off; returns how many. */
  prune(before: EpochMs): Promise<number>;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: EpochMs;
  /** Who: "cli:<os user>", later "user:<address>" for the web console. */
  readonly actor: string;
  /** What, as a stable dotted name: "apppass.add", "ip.block", "domain.security", … */
  readonly action: string;
  /** The object changed: an address, a domain, a CIDR. */
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditRepository {
  append(entry: Omit<AuditEntry, "id">): Promise<AuditEntry>;
  /** Newest first; beforeId pages. */
  list(query: { limit: number; beforeId?: number | undefined; target?: string | undefined }): Promise<AuditEntry[]>;
}

export interface PasswordHistoryRepository {
  /** The hashes of the user's previous passwords, newest first. */
  recent(userId: number, limit: number): Promise<string[]>;
  /** Remembers a replaced hash and forgets all but the newest `keep`. */
  add(userId: number, passwordHash: string, replacedAt: EpochMs, keep: number): Promise<void>;
}
