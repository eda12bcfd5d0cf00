// When to try a temporarily failed delivery again, and when to stop. RFC 5321 §4.5.4.1 asks
// for at least 30 minutes between tries and at least 4-5 days before giving up; the defaults
// ([queue]: 5 minutes doubling to a 4-hour cap, give up after 5 days) retry sooner at first,
// which is what users expect after a greylisting 4xx, and back off fast after that.
import type { EpochMs } from "../accounts/types.js";

export interface RetryPolicy {
  /** Wait after the first failed attempt; each later wait doubles. */
  readonly firstMs: number;
  /** The longest wait between two attempts. */
  readonly maxMs: number;
  /** How long after it was queued a message is given up and returned to its sender. */
  readonly giveUpMs: number;
}

export function retryPolicyFromSettings(queue: { retry_first_minutes: number; retry_max_minutes: number; give_up_hours: number }): RetryPolicy {
  const minute = 60_000;
  return { firstMs: queue.retry_first_minutes * minute, maxMs: queue.retry_max_minutes * minute, giveUpMs: queue.give_up_hours * 60 * minute };
}

/** The wait after the n-th failed attempt (n ≥ 1): first · 2^(n-1), capped. */
export function retryDelay(policy: RetryPolicy, failedAttempts: number): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  // 2^n overflows nothing here (Math.min with the cap), but stop doubling early anyway.
  const doublings = Math.min(n - 1, 40);
  return Math.min(policy.firstMs * 2 ** doublings, policy.maxMs);
}

export type RetryDecision = { readonly kind: "retry"; readonly at: EpochMs } | { readonly kind: "give_up" };

/**
 * After a temporary failure: give up once the message has been queued for giveUpMs,
 * otherwise retry after the backoff, but never later than the give-up time, so the last try
 * happens at the deadline instead of up to a whole wait after it.
 */
export function afterTemporaryFailure(
  policy: RetryPolicy,
  facts: { readonly queuedAt: EpochMs; readonly failedAttempts: number; readonly now: EpochMs },
): RetryDecision {
  const deadline = facts.queuedAt + policy.giveUpMs;
  if (facts.now >= deadline) return { kind: "give_up" };
  return { kind: "retry", at: Math.min(facts.now + retryDelay(policy, facts.failedAttempts), deadline) };
}
