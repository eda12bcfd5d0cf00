// An abnormal-login event as JSON, the same for `moat login-events --json` and the web API,
// since scripts rely on it (issue 8): these names, these types, times as ISO 8601 UTC, nulls
// where nothing is known.
import type { ListedLoginEvent } from "./events-service.js";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const loginEventJson = (e: ListedLoginEvent) => ({
  id: e.id,
  rule: e.rule,
  severity: e.severity,
  account: e.identity,
  domain: e.domain,
  ip: e.ip,
  summary: e.summary,
  detail: e.detail,
  firstSeen: iso(e.firstAt),
  lastSeen: iso(e.lastAt),
  occurrences: e.occurrences,
  state: e.state,
  acknowledgedAt: iso(e.acknowledgedAt),
  acknowledgedBy: e.acknowledgedBy,
  notices: { user: e.userNotice, admin: e.adminNotice, webhook: e.webhook },
});
