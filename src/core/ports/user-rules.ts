// What user filter rules (issue 7 item 6) need from persistence: each account's Sieve scripts
// (ManageSieve semantics: several named scripts, at most one active), the vacation responder's
// memory of whom it answered, and the log of forwarding attempts admins read.
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";

export interface SieveScriptInfo {
  readonly name: string;
  readonly active: boolean;
  readonly size: number;
  readonly updatedAt: EpochMs;
}

export interface SieveScriptRow extends SieveScriptInfo {
  readonly content: string;
}

/** What delivery needs of one recipient, from the one query per message. */
export interface UserRulesRow {
  readonly userId: number;
  /** The active script, if any. */
  readonly script: { readonly name: string; readonly content: string; readonly updatedAt: EpochMs } | null;
  /** The account's stored mail-flow settings object (forward setting), if any. */
  readonly flowSettings: unknown;
}

export interface SieveScriptRepository {
  /** Ordered by name. */
  list(userId: number): Promise<SieveScriptInfo[]>;
  get(userId: number, name: string): Promise<SieveScriptRow | undefined>;
  /** Inserts or replaces the content; a replaced script keeps its active state. */
  put(userId: number, name: string, content: string, now: EpochMs): Promise<void>;
  /** Makes this one the active script and every other inactive; null: none active. */
  setActive(userId: number, name: string | null, now: EpochMs): Promise<void>;
  rename(userId: number, from: string, to: string, now: EpochMs): Promise<void>;
  remove(userId: number, name: string): Promise<boolean>;
  count(userId: number): Promise<number>;
  /**
   * The active script and the stored flow settings of those of these users that have either,
   * in one query: delivery asks this for every message.
   */
  rulesFor(userIds: readonly number[]): Promise<UserRulesRow[]>;
}

export interface VacationRepository {
  /** When this user last answered this sender for this handle, if remembered. */
  lastSent(userId: number, handle: string, sender: string): Promise<EpochMs | undefined>;
  /**
   * Records a reply at `now` unless one was sent at or after `notBefore`; true when recorded
   * (the caller may send). Atomic, so two deliveries at once send one reply.
   */
  claim(userId: number, handle: string, sender: string, now: EpochMs, notBefore: EpochMs): Promise<boolean>;
  /** Forgets replies older than the cut-off; returns how many. */
  prune(olderThan: EpochMs): Promise<number>;
}

export type ForwardVia = "sieve" | "forward-setting";
export type ForwardPhase = "save" | "delivery";
export type ForwardOutcome = "refused" | "allowed";

export interface ForwardingAttempt {
  readonly at: EpochMs;
  readonly account: Address;
  /** The account's domain, for listing by domain. */
  readonly domain: string;
  readonly target: string;
  readonly via: ForwardVia;
  readonly phase: ForwardPhase;
  readonly outcome: ForwardOutcome;
  /** The Sieve script's name, or "forward setting". */
  readonly rule: string;
  /** The message's queue id at delivery; null at save time. */
  readonly messageId: string | null;
}

export interface ForwardingAttemptQuery {
  readonly domain?: string | undefined;
  readonly account?: string | undefined;
  readonly outcome?: ForwardOutcome | undefined;
  readonly since?: EpochMs | undefined;
  /** Newest first; at most this many. */
  readonly limit: number;
}

export interface ForwardingAttemptRepository {
  append(attempt: ForwardingAttempt): Promise<void>;
  list(query: ForwardingAttemptQuery): Promise<ForwardingAttempt[]>;
}
