// What abnormal-login detection and its alerts (issue 8 items 2 and 3, decision 0026) need from
// persistence: the events the rules raise, grouped so a repeated finding is one event seen
// many times, with the state of each of its three notices (the user's mail, the admins' mail,
// the webhook); and each account's learned login profile (familiar places, networks, channels).
import type { EpochMs } from "../accounts/types.js";

/** Every rule that raises an event. Success rules run on each successful login; burst rules on failures. */
export const loginEventRules = [
  "unfamiliar_country",
  "unfamiliar_city",
  "new_network",
  "impossible_travel",
  "unused_channel",
  "success_after_failures",
  "unexpected_country",
  "account_failure_burst",
  "ip_failure_burst",
] as const;
export type LoginEventRule = (typeof loginEventRules)[number];

export const severities = ["low", "medium", "high"] as const;
export type Severity = (typeof severities)[number];

/**
 * A notice's state: `none` (not due: no user to mail, below the admins' severity, no webhook
 * configured), `pending` (the notifier will send it), `sent`, `skipped` (the user switched alert
 * mails off), `failed` (the webhook gave up after its retries).
 */
export type NoticeState = "none" | "pending" | "sent" | "skipped" | "failed";
export type NoticeKind = "user" | "admin" | "webhook";

export type LoginEventState = "open" | "acknowledged";

export interface LoginEvent {
  readonly id: number;
  readonly rule: LoginEventRule;
  readonly severity: Severity;
  /** The account concerned; null for an address's failure burst across names, or attempts on unknown names. */
  readonly userId: number | null;
  /** The domain whose admins see it (the account's, or the one the attempted name named); null if none of ours. */
  readonly domainId: number | null;
  /** The account's address or the name attempted; null for an address's burst. */
  readonly identity: string | null;
  /** The client address of the (first) login or failure. */
  readonly ip: string | null;
  /** Occurrences with the same key, while the event is open and recent, are folded into it. */
  readonly groupKey: string;
  /** One sentence for people: "New sign-in from Lagos, Nigeria via IMAP, a country this account has not used before." */
  readonly summary: string;
  /** Rule-specific facts (place, network, speed, counts), JSON-safe. */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly firstAt: EpochMs;
  readonly lastAt: EpochMs;
  readonly occurrences: number;
  /** The login record that raised it, if one did. */
  readonly loginRecordId: number | null;
  readonly state: LoginEventState;
  readonly acknowledgedAt: EpochMs | null;
  readonly acknowledgedBy: string | null;
  readonly userNotice: NoticeState;
  readonly userNoticeAt: EpochMs | null;
  readonly adminNotice: NoticeState;
  readonly adminNoticeAt: EpochMs | null;
  readonly webhook: NoticeState;
  readonly webhookAt: EpochMs | null;
  readonly webhookAttempts: number;
}

/** What the detector stores: the event's facts, when it happened, and the notices it starts with. */
export interface NewLoginEvent extends Pick<LoginEvent, "rule" | "severity" | "userId" | "domainId" | "identity" | "ip" | "groupKey" | "summary" | "detail" | "loginRecordId"> {
  readonly at: EpochMs;
  /** The notices a new event starts with (a folded occurrence changes none of them). */
  readonly userNotice: "none" | "pending" | "skipped";
  readonly adminNotice: "none" | "pending";
  readonly webhook: "none" | "pending";
}

export interface LoginEventQuery {
  readonly userId?: number;
  /** The name attempted, for events of no account (a burst against a name that is not ours). */
  readonly identity?: string;
  /** Any of these domains (an admin's scope). */
  readonly domainIds?: readonly number[];
  readonly state?: LoginEventState;
  readonly rule?: LoginEventRule;
  /** This severity or higher. */
  readonly minSeverity?: Severity;
  /** Last seen at or after. */
  readonly since?: EpochMs;
  /** Keyset paging, newest first. */
  readonly beforeId?: number;
  readonly limit: number;
}

export interface LoginEventRepository {
  /**
   * Folds the occurrence into the open event with the same group key last seen at or after
   * `groupSince` (occurrences + 1, last seen now, nothing else changes), or inserts a new event.
   */
  record(event: NewLoginEvent, groupSince: EpochMs): Promise<{ readonly event: LoginEvent; readonly created: boolean }>;
  get(id: number): Promise<LoginEvent | undefined>;
  /** Newest first (by id). */
  list(query: LoginEventQuery): Promise<LoginEvent[]>;
  /** Acknowledges the open ones of these ids; returns how many changed. */
  acknowledge(ids: readonly number[], by: string, at: EpochMs): Promise<number>;
  /** Oldest first: the events whose notice of this kind is pending. */
  pending(kind: NoticeKind, limit: number): Promise<LoginEvent[]>;
  /** Sets the notice state (and its time); for the webhook, `attempts` too. */
  markNotice(kind: NoticeKind, ids: readonly number[], state: NoticeState, at: EpochMs, attempts?: number): Promise<void>;
  /** When this account's user was last mailed an alert (grouping: one mail per interval). */
  lastUserNoticeAt(userId: number): Promise<EpochMs | null>;
  /** When this domain's admins were last mailed an alert. */
  lastAdminNoticeAt(domainId: number | null): Promise<EpochMs | null>;
  /** Deletes events last seen before the cut-off; returns how many. */
  prune(olderThan: EpochMs): Promise<number>;
}

/** An account's learned login profile, stored as one JSON document (its schema is core's). */
export interface LoginProfileRepository {
  get(userId: number): Promise<StoredLoginProfile | undefined>;
  /**
   * The document and, in the same query, how many failed logins the account has at or after
   * `since`: the success-after-failures rule without a second round trip (decision 0026).
   */
  getWithFailures(userId: number, since: EpochMs): Promise<{ readonly profile: StoredLoginProfile | undefined; readonly failures: number }>;
  put(userId: number, data: unknown, at: EpochMs): Promise<void>;
}

export interface StoredLoginProfile {
  readonly data: unknown;
  readonly updatedAt: EpochMs;
}
