// The filters of an abnormal-login event listing as people type them (`moat login-events
// --state open --severity medium --since 24h`, the same as query parameters of the web API),
// checked and turned into a repository query in one place so the CLI and the web read them
// alike. Times, limits and paging read as they do for login records (login-filter.ts).
import { MoatError } from "../../../shared/errors.js";
import type { EpochMs } from "../../accounts/types.js";
import { loginEventRules, severities, type LoginEventQuery, type LoginEventState } from "../../ports/login-events.js";
import { defaultLoginLimit, maxLoginLimit, timeOf, wholeNumber } from "../login-filter.js";

export interface LoginEventFilterText {
  readonly state?: string | undefined;
  /** A rule's name; "unfamiliar-country" reads as "unfamiliar_country". */
  readonly rule?: string | undefined;
  /** This severity or higher. */
  readonly severity?: string | undefined;
  /** Last seen since a duration ago ("24h", "7d") or a date ("2026-11-01", ISO 8601). */
  readonly since?: string | undefined;
  readonly limit?: string | number | undefined;
  /** Only events older than this event id (the next page: the last id of this one). */
  readonly before?: string | number | undefined;
}

/** The query's filters, without who is asked about (account, name or domains). */
export type LoginEventFilter = Omit<LoginEventQuery, "userId" | "identity" | "domainIds">;

export const loginEventStates: readonly LoginEventState[] = ["open", "acknowledged"];

function oneOf<T extends string>(name: string, text: string, values: readonly T[]): T {
  const value = text.trim().toLowerCase().replaceAll("-", "_") as T;
  if (!values.includes(value)) throw new MoatError("invalid_input", `${name}: expected ${values.join("|")}, not '${text}'`);
  return value;
}

/** `flag`: how the edge spells a filter's name in messages ("--" for the CLI, "" for query parameters). */
export function parseLoginEventFilter(text: LoginEventFilterText, now: EpochMs, flag = ""): LoginEventFilter {
  const f = (name: string) => `${flag}${name}`;
  const filter: { -readonly [K in keyof LoginEventFilter]: LoginEventFilter[K] } = {
    limit: text.limit === undefined ? defaultLoginLimit : wholeNumber(f("limit"), text.limit, maxLoginLimit),
  };
  if (text.before !== undefined) filter.beforeId = wholeNumber(f("before"), text.before, Number.MAX_SAFE_INTEGER);
  if (text.state !== undefined) filter.state = oneOf(f("state"), text.state, loginEventStates);
  if (text.rule !== undefined) filter.rule = oneOf(f("rule"), text.rule, loginEventRules);
  if (text.severity !== undefined) filter.minSeverity = oneOf(f("severity"), text.severity, severities);
  if (text.since !== undefined) filter.since = timeOf(f("since"), text.since, now);
  return filter;
}
