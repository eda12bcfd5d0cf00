// The stolen-account response (issue 8 item 4, decision 0025), one action: in ONE store
// transaction a new temporary password, every web session, remembered browser and client
// security password revoked, two-factor login required of the account at once (no grace),
// client security passwords required over IMAP/POP3/SMTP, and the suspicious login addresses
// blocked for the domain with an expiry, each change in the audit log; then, read after the
// commit, the report of what the thief may have done (abuse-report.ts).
import { domainOf } from "../../../mail/address.js";
import type { AccountService, PasswordSubject } from "../../accounts/service.js";
import type { EpochMs, User } from "../../accounts/types.js";
import { accountLoginSettingsSchema, domainLoginSettingsSchema, readSettings, type DomainLoginSettings } from "../../auth/login-settings.js";
import type { PasswordHasher } from "../../auth/passwords.js";
import { normaliseCidr } from "../../auth/ip-rules.js";
import { twoFactorRequired } from "../../auth/two-factor/requirement.js";
import type { Clock } from "../../ports/clock.js";
import type { AppPassword } from "../../ports/login-security.js";
import type { Store } from "../../ports/store.js";
import { actorName, type Actor } from "../audit.js";
import { abuseReport, type AbuseFinding } from "./abuse-report.js";
import { suspiciousLogins, type SuspiciousAddress } from "./suspicious-logins.js";
import { temporaryPassword } from "./temporary-password.js";

const day = 86_400_000;
export const defaultSuspiciousPeriodMs = 7 * day;
export const defaultBlockMs = 7 * day;
/** Previous hashes kept, as AccountService.setPassword keeps them. */
const previousPasswordsKept = 4;

export interface SecureOptions {
  /** Start of the suspicious period (default: 7 days ago). */
  readonly since?: EpochMs | undefined;
  /** How long the blocks last (default 7 days). */
  readonly blockMs?: number | undefined;
  /** Addresses never blocked: the admin's own. */
  readonly protect?: readonly string[] | undefined;
}

export interface BlockedAddress {
  readonly ip: string;
  readonly expiresAt: EpochMs;
}

export interface SecureResult {
  readonly address: string;
  /** Shown once; never stored but as a hash. */
  readonly temporaryPassword: string;
  readonly period: { readonly since: EpochMs; readonly until: EpochMs };
  readonly revoked: { readonly appPasswords: number; readonly webSessions: number; readonly rememberedBrowsers: number };
  readonly twoFactorRequired: true;
  readonly securityPasswordRequired: true;
  readonly suspicious: readonly SuspiciousAddress[];
  readonly blocked: readonly BlockedAddress[];
  readonly findings: readonly AbuseFinding[];
}

export interface AccountSecureDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly accounts: AccountService;
  readonly passwords: PasswordHasher;
  /** The domain's password policy; throws invalid_password. */
  readonly checkPassword: (subject: PasswordSubject, password: string) => Promise<void>;
  /** Ends the live IMAP/POP3/SMTP sessions opened with the revoked client security passwords. */
  readonly endAppPasswordSessions: (userId: number, ids: readonly number[]) => void;
}

type Tx = Parameters<Parameters<Store["transaction"]>[0]>[0];

/** The domain's two-factor requirement with this account in it (unchanged when already covered). */
function withAccountRequired(domain: DomainLoginSettings, user: User, groups: readonly string[]): DomainLoginSettings | null {
  if (twoFactorRequired(domain, user.address, groups as never)) return null;
  const accounts = domain.twoFactorRequired === "listed" ? domain.twoFactorAccounts : [];
  const groupsKept = domain.twoFactorRequired === "listed" ? domain.twoFactorGroups : [];
  return { ...domain, twoFactorRequired: "listed", twoFactorAccounts: [...accounts, user.address], twoFactorGroups: groupsKept };
}

export class AccountSecure {
  constructor(private readonly deps: AccountSecureDeps) {}

  async secure(address: string, actor: Actor, opts: SecureOptions = {}): Promise<SecureResult> {
    const { store, clock, accounts } = this.deps;
    const user = await accounts.getUser(address);
    const now = clock.now();
    const period = { since: opts.since ?? now - defaultSuspiciousPeriodMs, until: now };
    const blockMs = opts.blockMs ?? defaultBlockMs;
    const password = temporaryPassword();
    await this.deps.checkPassword({ domainId: user.domainId, address: user.address, displayName: user.displayName, user }, password);
    const hash = await this.deps.passwords.hash(password);
    const suspicious = await suspiciousLogins(store, user.id, period, opts.protect ?? []);
    const done = await store.transaction(async (tx) => {
      const revoked = await this.revokeAll(tx, user, hash, now, actor);
      await this.requireFactors(tx, user, now, actor);
      const blocked = await this.block(tx, user, suspicious, now, blockMs, actor);
      await tx.audit.append({ at: now, actor: actorName(actor), action: "account.secure", target: user.address, before: null, after: { since: new Date(period.since).toISOString(), blocked: blocked.map((b) => b.ip), revoked: revoked.counts } });
      return { ...revoked, blocked };
    });
    if (done.appPasswords.length > 0) this.deps.endAppPasswordSessions(user.id, done.appPasswords.map((p) => p.id));
    const findings = await abuseReport(store, user, period, done.appPasswords);
    return { address: user.address, temporaryPassword: password, period, revoked: done.counts, twoFactorRequired: true, securityPasswordRequired: true, suspicious, blocked: done.blocked, findings };
  }

  /** The report alone, changing nothing (`moat account report`): to check fixes took. */
  async report(address: string, opts: { since?: EpochMs | undefined } = {}): Promise<AbuseFinding[]> {
    const user = await this.deps.accounts.getUser(address);
    const now = this.deps.clock.now();
    const period = { since: opts.since ?? now - defaultSuspiciousPeriodMs, until: now };
    return abuseReport(this.deps.store, user, period, await this.deps.store.appPasswords.listForUser(user.id));
  }

  private async revokeAll(tx: Tx, user: User, hash: string, now: EpochMs, actor: Actor) {
    const appPasswords: AppPassword[] = await tx.appPasswords.listForUser(user.id);
    await tx.users.setPassword(user.id, hash, now, true);
    await tx.passwordHistory.add(user.id, user.passwordHash, now, previousPasswordsKept);
    await tx.appPasswords.removeAllForUser(user.id);
    const webSessions = await tx.webSessions.removeAllForUser(user.id);
    const rememberedBrowsers = await tx.twoFactor.removeBrowsers(user.id);
    const counts = { appPasswords: appPasswords.length, webSessions, rememberedBrowsers };
    await tx.audit.append({ at: now, actor: actorName(actor), action: "user.password", target: user.address, before: counts, after: { appPasswords: 0, webSessions: 0, temporary: true } });
    return { appPasswords, counts };
  }

  /** Two-factor login required of the account with its grace already over, and client security passwords required. */
  private async requireFactors(tx: Tx, user: User, now: EpochMs, actor: Actor): Promise<void> {
    const who = actorName(actor);
    const domainBefore = readSettings(domainLoginSettingsSchema, await tx.loginSettings.getDomain(user.domainId));
    const domainAfter = withAccountRequired(domainBefore, user, await tx.loginSettings.groupsOfUser(user.id));
    if (domainAfter) {
      await tx.loginSettings.putDomain(user.domainId, domainAfter, now);
      await tx.audit.append({ at: now, actor: who, action: "domain.login_settings", target: domainOf(user.address), before: domainBefore, after: domainAfter });
    }
    const settings = domainAfter ?? domainBefore;
    // A stolen account gets no grace: its next web login must enrol a second factor (requirement.ts counts from requiredSince).
    const graceOver = now - settings.twoFactorGraceDays * day;
    const since = (await tx.twoFactor.account(user.id))?.requiredSince ?? null;
    if (since === null || since > graceOver) await tx.twoFactor.setRequiredSince(user.id, graceOver, now);
    const ownBefore = readSettings(accountLoginSettingsSchema, await tx.loginSettings.getUser(user.id));
    if (!ownBefore.securityPasswordRequired) {
      const ownAfter = { ...ownBefore, securityPasswordRequired: true };
      await tx.loginSettings.putUser(user.id, ownAfter, now);
      await tx.audit.append({ at: now, actor: who, action: "user.login_settings", target: user.address, before: ownBefore, after: ownAfter });
    }
  }

  private async block(tx: Tx, user: User, suspicious: readonly SuspiciousAddress[], now: EpochMs, blockMs: number, actor: Actor): Promise<BlockedAddress[]> {
    const blocked: BlockedAddress[] = [];
    for (const s of suspicious.filter((x) => x.blockable)) {
      const expiresAt = now + blockMs;
      const cidr = normaliseCidr(s.ip);
      const note = `account secure ${user.address}: ${s.why === "new_address" ? "login from a new address" : "burst of failed logins"}`;
      const rule = await tx.ipRules.add({ action: "block", cidr, domainId: user.domainId, userId: null, channel: null, expiresAt, note, origin: "admin", createdAt: now, createdBy: actorName(actor) });
      await tx.audit.append({ at: now, actor: actorName(actor), action: "ip.block", target: rule.cidr, before: null, after: { action: "block", cidr: rule.cidr, domain: domainOf(user.address), expiresAt: new Date(expiresAt).toISOString(), note } });
      blocked.push({ ip: s.ip, expiresAt });
    }
    return blocked;
  }
}
