// The one authenticate(): every login on every channel (IMAP, POP3, SMTP AUTH, web, API)
// comes through here, is decided by the steps of DESIGN.md in order, and leaves exactly one
// login record. Protocol code maps the result to its own reply and never re-implements a rule.
//
// What may be decided before the secret is checked, and what only after, is decision 0010:
// before it, only what the name's domain and the client address decide (nothing that tells
// whether the account exists); after it, the account's own rules.
import { domainOf, parseAddress, type Address } from "../../mail/address.js";
import { untrusted } from "../../shared/logger.js";
import type { User } from "../accounts/types.js";
import type { Clock } from "../ports/clock.js";
import type { IpRule } from "../ports/login-security.js";
import type { Store } from "../ports/store.js";
import { LiveSessions } from "../security/live-sessions.js";
import type { AppPasswordKeySource } from "./app-password-secret.js";
import { allowlistRefuses, blockOf, countIpFailure, type IpBlockSettings } from "./ip-rules.js";
import { accountGate, domainGate, needsGroups, securityPasswordRule } from "./login-rules.js";
import { accountLoginSettingsSchema, defaultDomainLoginSettings, domainLoginSettingsSchema, readSettings, type DomainLoginSettings } from "./login-settings.js";
import type { PasswordHasher } from "./passwords.js";
import { passwordStale } from "./password-words.js";
import { publicDenial } from "./public-denials.js";
import { checkSecret } from "./secret-check.js";
import { LoginThrottle, throttleKey, type ThrottleSettings } from "./throttle.js";
import { isClientProtocol, type AuthResult, type Channel, type DenyReason, type LoginContext, type TrackSession, type UsedCredential } from "./types.js";

type Stale = "password_change_required" | "password_expired";
type Tx = Parameters<Parameters<Store["transaction"]>[0]>[0];

export type Authenticate = (channel: Channel, identity: string, secret: string, context: LoginContext) => Promise<AuthResult>;

export interface AuthenticatorDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
  readonly throttle: ThrottleSettings;
  /** The key of the keyed hash of client security passwords; without it none verifies. */
  readonly appPasswordKey?: AppPasswordKeySource | undefined;
  /** Automatic blocking of an address failing across accounts; default 100 per day, blocked a day. */
  readonly ipBlock?: IpBlockSettings | undefined;
  /** Where successful protocol logins register their sessions (shared with the revocations). */
  readonly liveSessions?: LiveSessions | undefined;
  /** Called after the record is written; the anomaly rules of issue 8 hang here. */
  readonly onRecorded?: (event: { channel: Channel; userId: number | null; ok: boolean; reason: DenyReason | "ok" }) => void;
}

const day = 86_400_000;
export const defaultIpBlock: IpBlockSettings = { afterFailures: 100, windowMs: day, blockMs: day };

/** Failures answered as a wrong password: they count, they wait, and they say the same. */
const failures = new Set<DenyReason>(["invalid_credentials", "unknown_account", "ip_not_allowed", "app_password_wrong_protocol", "app_password_expired"]);

export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const { store, clock, passwords } = deps;
  const throttle = new LoginThrottle(store.throttle, deps.throttle);
  const ipBlock = deps.ipBlock ?? defaultIpBlock;
  const live = deps.liveSessions ?? new LiveSessions();

  return async function authenticate(channel, identity, secret, context) {
    const now = clock.now();
    const address = parseAddress(identity);
    const accountName = address.ok ? address.value : identity.trim().toLowerCase();
    const key = throttleKey(untrusted(accountName, 320), context.ip);
    let user: User | undefined;
    const lookUp = async () => (user = address.ok ? await store.users.findByAddress(address.value) : undefined);

    // The record, and a success's own writes, are one group commit (Store.transaction): logins
    // come often and many at once, and a commit of its own each (with its sync) would cost
    // more than the rest of a login with a client security password.
    const finish = async (reason: DenyReason | "ok", used?: UsedCredential, mustChange?: Stale, alongside?: (tx: Tx) => Promise<void>): Promise<AuthResult> => {
      const record = {
        at: now,
        identity: address.ok ? address.value : untrusted(identity),
        userId: user?.id ?? null,
        channel,
        ip: context.ip,
        clientId: context.clientId === undefined ? null : untrusted(context.clientId),
        method: context.method,
        result: reason === "ok" ? ("success" as const) : ("failure" as const),
        reason,
      };
      await store.transaction(
        async (tx) => {
          await alongside?.(tx);
          await tx.loginRecords.append(record);
        },
        { group: true },
      );
      deps.onRecorded?.({ channel, userId: user?.id ?? null, ok: reason === "ok", reason });
      if (reason === "ok" && user && used) {
        const { id: userId } = user;
        const track: TrackSession = (owner, end) => live.register(userId, used, channel, owner, end);
        return { ok: true, userId, address: user.address, credential: used, track, ...(mustChange ? { mustChangePassword: mustChange } : {}) };
      }
      const denial = publicDenial[reason as DenyReason];
      return { ok: false, reason: reason as DenyReason, publicMessage: denial.message, temporary: denial.temporary };
    };

    /** A failure answered like a wrong password: counted per account+network and per network, then delayed. */
    const fail = async (reason: DenyReason): Promise<AuthResult> => {
      const delay = await throttle.recordFailure(key, now);
      await countIpFailure(store, ipBlock, context.ip, now);
      const result = await finish(reason);
      await clock.sleep(delay);
      return result;
    };

    /** A refusal before the secret: the account is looked up only so the record names it. */
    const refuse = async (reason: DenyReason): Promise<AuthResult> => {
      await lookUp();
      return finish(reason);
    };

    // The name's domain, not the account: rules keyed on it reveal nothing about accounts.
    const domain = address.ok ? await store.domains.findByName(domainOf(address.value)) : undefined;
    const rules = await store.ipRules.forDomain(domain?.id ?? null, now);
    const domainSettings = domain ? readSettings(domainLoginSettingsSchema, await store.loginSettings.getDomain(domain.id)) : defaultDomainLoginSettings;

    const early = await beforeSecret(rules, domainSettings, key, accountName, channel, context.ip, now);
    if (early !== null) return refuse(early);

    // Steps 3 and 6: the account and its secret.
    await lookUp();
    const outcome = await checkSecret({ store, passwords, appPasswordKey: deps.appPasswordKey }, user, channel, secret, domainSettings.appPasswordExpiryDays, now);
    if (!outcome.ok) return fail(outcome.reason);
    if (!user || !address.ok) return fail("unknown_account");

    // The account's own rules, told only to whoever holds a right secret.
    const reason = await accountDenial(user, address.value, domainSettings, rules, channel, context.ip, outcome.credential);
    if (reason !== null) return failures.has(reason) ? fail(reason) : finish(reason);
    // Step 7: a main password that must be changed is refused over the protocols; the web and
    // API get a session that may only change it.
    const stale = outcome.credential.kind === "password" ? staleness(domainSettings, user, secret, now) : null;
    if (stale !== null && isClientProtocol(channel)) return finish(stale);

    const { credential } = outcome;
    if (credential.kind === "password" && passwords.needsRehash(user.passwordHash)) await store.users.setPassword(user.id, await passwords.hash(secret), user.passwordChangedAt, user.mustChangePassword);
    return finish("ok", credential, stale ?? undefined, async (tx) => {
      await throttle.recordSuccess(key, tx.throttle);
      if (credential.kind === "app_password" && isClientProtocol(channel)) await tx.appPasswords.markUsed(credential.id, now, context.ip, channel);
    });
  };

  /**
   * Step 1 (IP blocklists: install-wide, the domain's, automatic blocks), step 2 (a blocked
   * account+network, refused without looking at the password, so a block is no oracle) and
   * steps 4 and 5 as far as the domain decides them: no password is checked, so a domain that
   * forbids third-party clients gives no password oracle over IMAP/POP3/SMTP either.
   */
  async function beforeSecret(rules: readonly IpRule[], domain: DomainLoginSettings, key: string, name: string, channel: Channel, ip: string, now: number): Promise<DenyReason | null> {
    if (blockOf(rules, ip)) return "ip_blocked";
    if ((await throttle.blockedUntil(key, now)) !== null) return "throttled";
    return domainGate(domain, name, channel, ip) ?? (allowlistRefuses(rules, ip, channel, null) ? "ip_not_allowed" : null);
  }

  function staleness(domain: DomainLoginSettings, user: User, password: string, now: number): Stale | null {
    // An admin's temporary password: usable only to choose a new one on the web.
    if (user.mustChangePassword) return "password_change_required";
    const policy = { on: domain.passwordPolicy === "on", keywords: domain.passwordKeywords, maxAgeDays: domain.passwordMaxAgeDays, maxAgeExempt: domain.passwordMaxAgeExempt };
    return passwordStale(policy, { address: user.address, displayName: user.displayName }, password, user.passwordChangedAt, now);
  }

  /** Suspension, step 4 and 5 for the account, and "client security password required". */
  async function accountDenial(user: User, address: Address, domain: DomainLoginSettings, rules: readonly IpRule[], channel: Channel, ip: string, used: UsedCredential): Promise<DenyReason | null> {
    if (user.status !== "active") return "account_suspended";
    const account = readSettings(accountLoginSettingsSchema, await store.loginSettings.getUser(user.id));
    const gate = accountGate(account, channel);
    if (gate !== null) return gate;
    if (allowlistRefuses(rules, ip, channel, user.id)) return "ip_not_allowed";
    if (used.kind === "password" && isClientProtocol(channel)) {
      const groups = needsGroups(domain) ? await store.loginSettings.groupsOfUser(user.id) : [];
      if (securityPasswordRule(domain, account, address, groups).required) return "security_password_required";
    }
    return null;
  }
}
