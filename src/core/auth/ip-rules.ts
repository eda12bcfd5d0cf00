// IP rules as authenticate() applies them (issue 6, item 4):
//   - blocklists, install-wide and per domain, with the automatic blocks among them: step 1,
//     before anything else, so a blocked address learns nothing and costs nothing;
//   - allowlists per domain and per account, each entry for every channel or for one: when a
//     scope has entries for the channel, the address must be in one of them. The domain's
//     list and the account's list must both admit it (the stricter rule).
// Every comparison goes through CidrSet, so IPv4 rules match IPv4-mapped IPv6 clients.
import type { EpochMs } from "../accounts/types.js";
import type { IpRule, IpRuleRepository } from "../ports/login-security.js";
import type { ThrottleRepository } from "../ports/store.js";
import { CidrSet } from "../../shared/ip.js";
import { networkOf } from "./throttle.js";
import type { Channel } from "./types.js";

const inRule = (rule: IpRule, ip: string): boolean => CidrSet.parse([rule.cidr]).has(ip);

/** The block that refuses this address, install-wide or the domain's; undefined when none. */
export function blockOf(rules: readonly IpRule[], ip: string): IpRule | undefined {
  return rules.find((r) => r.action === "block" && inRule(r, ip));
}

/**
 * Whether an allowlist of this scope refuses the address on this channel: the account's
 * (userId) or, with null, the domain's own list.
 */
export function allowlistRefuses(rules: readonly IpRule[], ip: string, channel: Channel, userId: number | null): boolean {
  const scope = rules.filter((r) => r.action === "allow" && r.userId === userId && r.domainId !== null && (r.channel === null || r.channel === channel));
  return scope.length > 0 && !scope.some((r) => inRule(r, ip));
}

/** The CIDR in normal form ("::ffff:10.0.0.0/104" → "10.0.0.0/8"); throws invalid_input. */
export function normaliseCidr(text: string): string {
  const set = CidrSet.parse([text.trim()]);
  return set.entries[0]!;
}

export interface IpBlockSettings {
  /** Failures from one address (IPv6: its /64), across all accounts, before it is blocked. */
  readonly afterFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;
}

/**
 * Counts a failed login against the client's network across accounts (a password spray hits
 * many accounts once each, which the per-account throttle never sees) and blocks the network
 * when the count reaches the limit. The block is an ip_rules row, so it survives a restart and
 * an admin lists and removes it like any other. Returns the block when this failure made one.
 */
export async function countIpFailure(
  repos: { readonly throttle: ThrottleRepository; readonly ipRules: IpRuleRepository },
  settings: IpBlockSettings,
  ip: string,
  now: EpochMs,
): Promise<IpRule | undefined> {
  const network = networkOf(ip);
  const key = `ip:${network}`;
  const state = await repos.throttle.recordFailure(key, now, now - settings.windowMs);
  // Exactly at the limit: of several concurrent failures only one sees this count.
  if (state.failures !== settings.afterFailures) return undefined;
  await repos.throttle.clear(key);
  return repos.ipRules.add({
    action: "block",
    cidr: normaliseCidr(network),
    domainId: null,
    userId: null,
    channel: null,
    expiresAt: now + settings.blockMs,
    note: `automatic: ${state.failures} failed logins across accounts`,
    origin: "auto",
    createdAt: now,
    createdBy: "auto",
  });
}
