// What abnormal-login detection (issue 8 item 2, decision 0026) is given and what it finds.
// authenticate() hands every written login record to the detector as an observation, after
// the record's commit and off the login's path: a login never waits for its rules.
import type { DomainLoginSettings } from "../../auth/login-settings.js";
import type { LoginRecord } from "../../auth/types.js";
import type { LoginEventRule, Severity } from "../../ports/login-events.js";

export interface Coordinates {
  readonly latitude: number;
  readonly longitude: number;
}

export interface LoginObservation {
  /** The record as stored (with its id and place). */
  readonly record: LoginRecord;
  /** Where GeoIP put the address; not stored in the record (decision 0024), so given here. */
  readonly coordinates: Coordinates | null;
  /** The domain the name belongs to (the account's, or the one an unknown name named), if ours. */
  readonly domainId: number | null;
  /**
   * That domain's login settings as the login read them (defaults when none): the detector
   * needs its alert switch, country lists and webhook, and need not read them again. Absent:
   * the detector reads them.
   */
  readonly domainSettings?: DomainLoginSettings;
}

/** One rule's verdict on one observation, before it becomes (or joins) a stored event. */
export interface Finding {
  readonly rule: LoginEventRule;
  readonly severity: Severity;
  /** Occurrences with the same key fold into one event (e.g. "unfamiliar_country:NG"). Scoped by core to the account or address. */
  readonly key: string;
  /** One sentence for people, with the place, channel and time as the user would read them. */
  readonly summary: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The thresholds of [login_alerts] in the settings file, in core's units. */
export interface AnomalySettings {
  readonly familiarAfterDays: number;
  readonly learningMs: number;
  readonly travelKmh: number;
  readonly travelMinKm: number;
  readonly unusedChannelMs: number;
  readonly failuresBeforeSuccess: number;
  readonly failureWindowMs: number;
  readonly accountBurstFailures: number;
  readonly ipBurstFailures: number;
  readonly burstWindowMs: number;
  readonly groupMs: number;
}

/** What the notifier reads of [login_alerts]. */
export interface AlertSettings {
  readonly mailIntervalMs: number;
  readonly webhookTimeoutMs: number;
  readonly webhookAttempts: number;
  readonly retentionMs: number;
}
