// What the security checkup (issue 8 item 5, decision 0025) reports: gaps the product guide's
// "Self-inspection" warns about, each with a stable id (so `moat checkup --fix ID` can name
// it), a severity, a sentence and a one-line `moat` command that closes it; and a score.

export type Severity = "high" | "medium" | "low";

export type CheckupKind =
  | "no-2fa"
  | "unused-protocol"
  | "main-password-protocols"
  | "password-age"
  | "stale-app-password"
  | "forward-outside"
  | "sieve-forward-outside"
  | "no-password-policy"
  | "external-warning-off";

export interface CheckupFinding {
  /** Stable: kind and subject (and the protocol or password name), e.g. "no-2fa:alice@example.com". */
  readonly id: string;
  readonly kind: CheckupKind;
  readonly severity: Severity;
  /** The account's address or the domain's name. */
  readonly subject: string;
  readonly sentence: string;
  /** One `moat` command that closes the gap. */
  readonly fix: string;
}

/** Points a finding takes off 100. */
export const severityWeight: Record<Severity, number> = { high: 10, medium: 4, low: 1 };

/**
 * 100 minus 10 per high, 4 per medium and 1 per low finding, never below 0: a score an admin
 * can recompute by hand, where one unprotected account costs more than a tidy-up item.
 */
export function checkupScore(findings: readonly CheckupFinding[]): number {
  return Math.max(0, 100 - findings.reduce((sum, f) => sum + severityWeight[f.severity], 0));
}

const severityOrder: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export const bySeverity = (a: CheckupFinding, b: CheckupFinding): number => severityOrder[a.severity] - severityOrder[b.severity] || a.id.localeCompare(b.id);
