// [login_alerts] of the settings file in core's units (issue 8 items 2 and 3). The section's
// shape is repeated here, not imported: core does not depend on the config layer.
import type { AlertSettings, AnomalySettings } from "./types.js";

/** The [login_alerts] keys as the settings file names them (config/schema.ts documents each). */
export interface LoginAlertsSection {
  readonly familiar_after_days: number;
  readonly learning_days: number;
  readonly travel_kmh: number;
  readonly travel_min_km: number;
  readonly unused_channel_days: number;
  readonly failures_before_success: number;
  readonly failure_window_minutes: number;
  readonly account_burst_failures: number;
  readonly ip_burst_failures: number;
  readonly burst_window_minutes: number;
  readonly group_hours: number;
  readonly mail_interval_minutes: number;
  readonly retention_days: number;
  readonly webhook_timeout_ms: number;
  readonly webhook_attempts: number;
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

export function anomalySettings(s: LoginAlertsSection): AnomalySettings {
  return {
    familiarAfterDays: s.familiar_after_days,
    learningMs: s.learning_days * day,
    travelKmh: s.travel_kmh,
    travelMinKm: s.travel_min_km,
    unusedChannelMs: s.unused_channel_days * day,
    failuresBeforeSuccess: s.failures_before_success,
    failureWindowMs: s.failure_window_minutes * minute,
    accountBurstFailures: s.account_burst_failures,
    ipBurstFailures: s.ip_burst_failures,
    burstWindowMs: s.burst_window_minutes * minute,
    groupMs: s.group_hours * hour,
  };
}

export function alertSettings(s: LoginAlertsSection): AlertSettings {
  return {
    mailIntervalMs: s.mail_interval_minutes * minute,
    webhookTimeoutMs: s.webhook_timeout_ms,
    webhookAttempts: s.webhook_attempts,
    retentionMs: s.retention_days * day,
  };
}
