// What the mail-flow policies of issue 7 need from persistence: per-domain, per-account and
// per-group settings (JSON the store does not interpret; core/flow/flow-settings.ts validates
// them) and the message trace.
import type { EpochMs } from "../accounts/types.js";
import type { HeldMessage, HoldKind, HoldStatus } from "../flow/held.js";
import type { MessageTrace } from "../flow/trace.js";

export interface FlowSettingsRepository {
  /** The stored object, or undefined when no admin changed one (the defaults apply). */
  getDomain(domainId: number): Promise<unknown>;
  putDomain(domainId: number, settings: object, now: EpochMs): Promise<void>;
  getUser(userId: number): Promise<unknown>;
  putUser(userId: number, settings: object, now: EpochMs): Promise<void>;
  getGroup(groupId: number): Promise<unknown>;
  putGroup(groupId: number, settings: object, now: EpochMs): Promise<void>;
  /** Every domain's stored object (domains without one are absent): the organisation map. */
  allDomains(): Promise<Array<{ domainId: number; settings: unknown }>>;
}

export interface TraceQuery {
  /** Envelope sender, exact. */
  readonly from?: string | undefined;
  /** A recipient, exact. */
  readonly to?: string | undefined;
  /** Substring of the subject, case-insensitive. */
  readonly subject?: string | undefined;
  /** The Message-ID header, with or without angle brackets. */
  readonly messageId?: string | undefined;
  readonly decision?: MessageTrace["decision"] | undefined;
  readonly since?: EpochMs | undefined;
  readonly until?: EpochMs | undefined;
  /** Newest first; at most this many. */
  readonly limit: number;
}

export interface MessageTraceRepository {
  append(trace: MessageTrace): Promise<void>;
  get(id: string): Promise<MessageTrace | undefined>;
  search(query: TraceQuery): Promise<MessageTrace[]>;
  /** Deletes traces older than the cut-off; returns how many. */
  pruneBefore(cutoff: EpochMs): Promise<number>;
}

export interface HeldMessageRepository {
  add(held: HeldMessage): Promise<void>;
  get(id: string): Promise<HeldMessage | undefined>;
  /** Newest first. `decider`: only those this address may decide. */
  list(query: { status?: HoldStatus | undefined; kind?: HoldKind | undefined; decider?: string | undefined; limit: number }): Promise<HeldMessage[]>;
  /**
   * Marks a held message decided, only if it is still held (two moderators deciding at once:
   * one wins); returns the message as it was, or undefined when it was not held any more.
   */
  decide(id: string, status: Exclude<HoldStatus, "held">, by: string, at: EpochMs, note: string): Promise<HeldMessage | undefined>;
  /** Still held, past their expiry at `now`: the timeout's work. */
  expired(now: EpochMs, limit: number): Promise<HeldMessage[]>;
}
