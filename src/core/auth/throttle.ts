// Failed-login throttling per account and client network, Dovecot-style: each failure makes
// the answer wait longer (base, 2×, 4× … up to a cap), and after N failures within the
// window the account is blocked from that network for a while without a password check.
// Keyed on (account, network) so an attacker elsewhere cannot lock the owner out (lockout DoS,
// see the security test plan A3.3); IPv6 counts per /64, since one host owns a whole /64.
import ipaddr from "ipaddr.js";
import type { EpochMs } from "../accounts/types.js";
import type { ThrottleRepository } from "../ports/store.js";

export interface ThrottleSettings {
  readonly failureDelayMs: number;
  readonly maxFailureDelayMs: number;
  readonly blockAfterFailures: number;
  readonly blockMs: number;
  readonly windowMs: number;
}

export function networkOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip); // IPv4-mapped IPv6 becomes IPv4
  if (parsed.kind() === "ipv4") return parsed.toString();
  const bytes = parsed.toByteArray().slice(0, 8).concat(new Array<number>(8).fill(0));
  return `${ipaddr.fromByteArray(bytes).toString()}/64`;
}

export function throttleKey(account: string, ip: string): string {
  return `acct:${account.toLowerCase()}|net:${networkOf(ip)}`;
}

export class LoginThrottle {
  constructor(
    private readonly repo: ThrottleRepository,
    private readonly settings: ThrottleSettings,
  ) {}

  /** The time until which the key is blocked, or null. */
  async blockedUntil(key: string, now: EpochMs): Promise<EpochMs | null> {
    const state = await this.repo.get(key);
    return state?.blockedUntil != null && state.blockedUntil > now ? state.blockedUntil : null;
  }

  /**
   * Counts a failure (atomically in the store, so 50 parallel failures count as 50 — the
   * "parallel lookups" gap Dovecot documents) and returns how long to delay the answer.
   */
  /** repo: the throttle repository of the transaction the login's other writes are in. Returns the delay. */
  async recordFailure(key: string, now: EpochMs, repo: ThrottleRepository = this.repo): Promise<number> {
    const state = await repo.recordFailure(key, now, now - this.settings.windowMs);
    if (state.failures >= this.settings.blockAfterFailures && state.blockedUntil === null) {
      await repo.block(key, now + this.settings.blockMs);
    }
    return this.delayFor(state.failures);
  }

  /** repo: the throttle repository of the transaction the login's other writes are in. */
  async recordSuccess(key: string, repo: ThrottleRepository = this.repo): Promise<void> {
    await repo.clear(key);
  }

  delayFor(failures: number): number {
    const { failureDelayMs, maxFailureDelayMs } = this.settings;
    return Math.min(failureDelayMs * 2 ** Math.min(failures - 1, 20), maxFailureDelayMs);
  }
}
