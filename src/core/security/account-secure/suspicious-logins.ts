// Which logins of a stolen account count as the thief's (decision 0025): successes in the
// period from addresses the account had not logged in from successfully in the 90 days
// before it, and addresses with a burst of failures against the account in the period. Only
// public unicast addresses are blocked: a private or loopback one is the company's own
// network (blocking it locks colleagues out), and the admin's own address is never blocked.
import { parseIp } from "../../../shared/ip.js";
import type { EpochMs } from "../../accounts/types.js";
import type { LoginRecord } from "../../auth/types.js";
import type { Store } from "../../ports/store.js";

const day = 86_400_000;
/** How far back "an address the account used before" looks. */
export const familiarWindowMs = 90 * day;
/** Failures from one address against the account within the period that make it suspicious. */
export const failureBurst = 5;
/** At most this many records are read, newest first: enough for 90 days of a busy client. */
const maxRecords = 20_000;
const page = 1000;

export interface SuspiciousAddress {
  readonly ip: string;
  /** new_address: a success (or a right password awaiting its second factor) from an address unused in the 90 days before; failure_burst: many failures. */
  readonly why: "new_address" | "failure_burst";
  readonly successes: number;
  readonly failures: number;
  readonly firstAt: EpochMs;
  readonly lastAt: EpochMs;
  readonly channels: readonly string[];
  /** Whether it is blocked: false for private, loopback and protected addresses. */
  readonly blockable: boolean;
  readonly notBlockedBecause: string | null;
}

/** The account's login records from `from` on, newest first, read page by page. */
async function recordsSince(store: Pick<Store, "loginRecords">, userId: number, from: EpochMs): Promise<LoginRecord[]> {
  const out: LoginRecord[] = [];
  let beforeId: number | undefined;
  while (out.length < maxRecords) {
    const batch = await store.loginRecords.list({ userId, limit: page, ...(beforeId !== undefined ? { beforeId } : {}) });
    for (const r of batch) if (r.at >= from) out.push(r);
    const last = batch.at(-1);
    if (batch.length < page || last === undefined || last.at < from) break;
    beforeId = last.id;
  }
  return out;
}

function notBlockable(ip: string, protect: ReadonlySet<string>): string | null {
  const addr = parseIp(ip);
  if (addr === null) return "not an address";
  if (protect.has(ip)) return "the address the admin runs this from";
  const range = addr.range();
  return range === "unicast" ? null : `a ${range} address`;
}

export async function suspiciousLogins(
  store: Pick<Store, "loginRecords">,
  userId: number,
  period: { since: EpochMs; until: EpochMs },
  protect: readonly string[],
): Promise<SuspiciousAddress[]> {
  const records = await recordsSince(store, userId, period.since - familiarWindowMs);
  const familiar = new Set(records.filter((r) => r.at < period.since && r.result === "success").map((r) => r.ip));
  const byIp = new Map<string, LoginRecord[]>();
  for (const r of records) {
    if (r.at < period.since || r.at > period.until) continue;
    byIp.set(r.ip, [...(byIp.get(r.ip) ?? []), r]);
  }
  const protectedSet = new Set(protect);
  const found: SuspiciousAddress[] = [];
  for (const [ip, list] of byIp) {
    // A pending login had the right password and waited for its second factor: the thief has the password.
    const successes = list.filter((r) => r.result === "success" || r.result === "pending").length;
    const failures = list.filter((r) => r.result === "failure").length;
    const why = successes > 0 && !familiar.has(ip) ? "new_address" : failures >= failureBurst ? "failure_burst" : null;
    if (why === null) continue;
    const reason = notBlockable(ip, protectedSet);
    const times = list.map((r) => r.at);
    found.push({
      ip,
      why,
      successes,
      failures,
      firstAt: Math.min(...times),
      lastAt: Math.max(...times),
      channels: [...new Set(list.map((r) => r.channel))].sort(),
      blockable: reason === null,
      notBlockedBecause: reason,
    });
  }
  return found.sort((a, b) => a.firstAt - b.firstAt || a.ip.localeCompare(b.ip));
}
