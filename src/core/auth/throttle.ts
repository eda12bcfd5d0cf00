// Failed-login throttling per account and client network, Dovecot-style: each failure makes
// the answer wait longer (base, 2×, 4× … up to a cap), and after N failures within the
// window the account is blocked from that network for a while without a password check.
// Keyed on (account, network) so an attacker elsewhere cannot lock the owner out (lockout DoS,
// see the security test plan A3.3); IPv6 counts per /64, since one host owns a whole /64.
import ipaddr from "ipaddr.js";
import type { EpochMs } from "../accounts/types.js";
import type { ThrottleRepository } from "../ports/store.js";
import type { ThrottleState } from "./types.js";

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
  // Serialises read-modify-write of one key inside this process, so 50 parallel failures
  // count as 50 (Dovecot's "parallel lookups" gap).
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repo: ThrottleRepository,
    private readonly settings: ThrottleSettings,
  ) {}

  /** The time until which the key is blocked, or null. */
  async blockedUntil(key: string, now: EpochMs): Promise<EpochMs | null> {
    const state = await this.repo.get(key);
    return state?.blockedUntil != null && state.blockedUntil > now ? state.blockedUntil : null;
  }

  /** Counts a failure; returns how long to delay the answer. */
  recordFailure(key: string, now: EpochMs): Promise<number> {
    return this.withLock(key, async () => {
      const old = await this.repo.get(key);
      const fresh = !old || now - old.lastFailureAt > this.settings.windowMs || (old.blockedUntil !== null && old.blockedUntil <= now);
      const failures = fresh ? 1 : old.failures + 1;
      const state: ThrottleState = {
        failures,
        firstFailureAt: fresh ? now : old.firstFailureAt,
        lastFailureAt: now,
        blockedUntil: failures >= this.settings.blockAfterFailures ? now + this.settings.blockMs : null,
      };
      await this.repo.put(key, state);
      return this.delayFor(failures);
    });
  }

  async recordSuccess(key: string): Promise<void> {
    await this.withLock(key, () => this.repo.clear(key));
  }

  delayFor(failures: number): number {
    const { failureDelayMs, maxFailureDelayMs } = this.settings;
    return Math.min(failureDelayMs * 2 ** Math.min(failures - 1, 20), maxFailureDelayMs);
  }

  private async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}
