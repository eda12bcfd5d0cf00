// The filters of a login-record listing as people type them (`moat logins --ip 203.0.113.0/24
// --country ng --since 24h`, the same as query parameters of the web API), checked and turned
// into a repository query in one place so the CLI and the web read them alike.
import { MoatError } from "../../shared/errors.js";
import { ipKeyRange } from "../../shared/ip-key.js";
import { normalizeIp } from "../../shared/ip.js";
import type { EpochMs } from "../accounts/types.js";
import type { LoginResult } from "../auth/types.js";
import type { LoginRecordQuery } from "../ports/store.js";

export interface LoginFilterText {
  /** An address or a CIDR range, IPv4 or IPv6. */
  readonly ip?: string | undefined;
  /** ISO 3166-1 alpha-2, any case. */
  readonly country?: string | undefined;
  readonly result?: string | undefined;
  /** A duration back from now ("90m", "24h", "7d") or a date ("2026-11-01", ISO 8601). */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly limit?: string | number | undefined;
  /** Only records older than this record id (the next page: the last id of this one). */
  readonly before?: string | number | undefined;
}

/** The query's filters, without who is asked about (account or domain). */
export type LoginFilter = Omit<LoginRecordQuery, "userId" | "identity" | "domain" | "channel">;

export const loginResults: readonly LoginResult[] = ["success", "failure", "pending"];
export const defaultLoginLimit = 50;
/** One page at most: a listing is read page by page, never a whole 180 days at once. */
export const maxLoginLimit = 1000;

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function bad(message: string): never {
  throw new MoatError("invalid_input", message);
}

/** "24h" back from now, or a date; a date without a zone is UTC. */
export function timeOf(flag: string, text: string, now: EpochMs): EpochMs {
  const ago = /^(\d{1,6})([mhdw])$/i.exec(text.trim());
  if (ago) return now - Number(ago[1]) * units[ago[2]!.toLowerCase()]!;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  return Number.isFinite(ms) ? ms : bad(`${flag}: '${text}' is neither a duration (30m, 24h, 7d, 2w) nor a date (2026-11-01 or 2026-11-01T18:00:00Z)`);
}

export function wholeNumber(flag: string, value: string | number, max: number): number {
  const n = typeof value === "number" ? value : /^\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 1 && n <= max ? n : bad(`${flag} must be a whole number from 1 to ${max}`);
}

function keyRange(text: string, flag: string): NonNullable<LoginFilter["ipKeyRange"]> {
  try {
    return ipKeyRange(text);
  } catch {
    return bad(`${flag}: '${text}' is not an IP address or CIDR range (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)`);
  }
}

/** `flag`: how the edge spells a filter's name in messages ("--" for the CLI, "" for query parameters). */
export function parseLoginFilter(text: LoginFilterText, now: EpochMs, flag = ""): LoginFilter {
  const f = (name: string) => `${flag}${name}`;
  const filter: { -readonly [K in keyof LoginFilter]: LoginFilter[K] } = { limit: text.limit === undefined ? defaultLoginLimit : wholeNumber(f("limit"), text.limit, maxLoginLimit) };
  if (text.before !== undefined) filter.beforeId = wholeNumber(f("before"), text.before, Number.MAX_SAFE_INTEGER);
  if (text.ip !== undefined) {
    const ip = text.ip.trim();
    // A single address is matched as text, so records written before 0019 (no key) are found too.
    const single = ip.includes("/") ? null : normalizeIp(ip);
    if (single !== null) filter.ip = single;
    else filter.ipKeyRange = keyRange(ip, f("ip"));
  }
  if (text.country !== undefined) {
    if (!/^[a-z]{2}$/i.test(text.country.trim())) bad(`${f("country")}: '${text.country}' is not a two-letter ISO 3166 code (e.g. DE, NG)`);
    filter.country = text.country.trim().toUpperCase();
  }
  if (text.result !== undefined) {
    const result = text.result.trim().toLowerCase() as LoginResult;
    if (!loginResults.includes(result)) bad(`${f("result")}: expected ${loginResults.join("|")}, not '${text.result}'`);
    filter.result = result;
  }
  if (text.since !== undefined) filter.since = timeOf(f("since"), text.since, now);
  if (text.until !== undefined) filter.until = timeOf(f("until"), text.until, now);
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) bad(`${f("since")} must be before ${f("until")}`);
  return filter;
}
