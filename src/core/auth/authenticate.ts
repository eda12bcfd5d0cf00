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
import { passwordExpiresInDays } from "./password-expiry-reminders.js";
import { publicDenial } from "./public-denials.js";
import { checkSecret } from "./secret-check.js";
import { loginPlace, refusedBeforeSecret, refusedForAccount } from "./access-policies.js";
import type { GeoIp } from "../ports/geoip.js";
import type { AsnLookup } from "../ports/asn.js";
import { recordPlace } from "./record-place.js";
import type { LoginObservation } from "../security/anomalies/types.js";
import type { AccessPolicy } from "../ports/access-policies.js";
import { LoginThrottle, throttleKey, type ThrottleSettings } from "./throttle.js";
import { isClientProtocol, type AuthResult, type Channel, type DenyReason, type LoginContext, type PendingSecondFactor, type PhoneCodeCheck, type TrackSession, type UsedCredential } from "./types.js";
import type { SecretSealer } from "../ports/sealer.js";
import { createSecondFactorLogin } from "./two-factor/login-step.js";
import type { TicketBook } from "./two-factor/tickets.js";
import type { WebAuthnSettings } from "./two-factor/passkeys.js";

type Stale = "password_change_required" | "password_expired";
type Tx = Parameters<Parameters<Store["transaction"]>[0]>[0];
/** What a result carries beyond the basics (decision 0013: the second factor). */
interface FinishExtra {
  readonly ok?: Pick<Extract<AuthResult, { ok: true }>, "secondFactor" | "rememberedBrowser" | "mustEnrolSecondFactor">;
  readonly pending?: PendingSecondFactor;
}

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
  /**
   * Called after the record is committed, with the record as stored: the abnormal-login rules
   * of issue 8 (decision 0026). Must not throw or wait: the login does not wait for the rules.
   */
  readonly onRecorded?: (observation: LoginObservation) => void;
  /** Seals TOTP secrets (decision 0013); without it an account with TOTP cannot finish a web login. */
  readonly twoFactorSealer?: SecretSealer | undefined;
  /** The WebAuthn relying party: the public origin of the web interface. */
  readonly webauthn?: WebAuthnSettings | undefined;
  /** The bound phone, offering "sms" as a second factor (issue 6 item 6). */
  readonly phoneCodes?: PhoneCodeCheck | undefined;
  /** The second step's tickets, shared with TwoFactorService (which sends their SMS codes); else its own. */
  readonly loginTickets?: TicketBook | undefined;
  /** Places logins for access policies by country (decision 0015); without it no address has a country. */
  readonly geoip?: GeoIp | undefined;
  /** The network (AS) of public addresses, kept in login records (issue 8); without it records have none. */
  readonly asn?: AsnLookup | undefined;
}

const day = 86_400_000;
export const defaultIpBlock: IpBlockSettings = { afterFailures: 100, windowMs: day, blockMs: day };

/** Failures answered as a wrong password: they count, they wait, and they say the same. */
const failures = new Set<DenyReason>(["invalid_credentials", "unknown_account", "ip_not_allowed", "app_password_wrong_protocol", "app_password_expired", "access_policy_denied"]);

/** The record names the policy that refused, for the admin reading it (decision 0015). */
const policyMethod = (method: string, policy: AccessPolicy) => `${method} [access policy ${JSON.stringify(policy.name)}]`;

export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const { store, clock, passwords } = deps;
  const throttle = new LoginThrottle(store.throttle, deps.throttle);
  const ipBlock = deps.ipBlock ?? defaultIpBlock;
  const live = deps.liveSessions ?? new LiveSessions();
  const second = createSecondFactorLogin({ store, sealer: deps.twoFactorSealer, key: deps.appPasswordKey, webauthn: deps.webauthn, phoneCodes: deps.phoneCodes, tickets: deps.loginTickets });

  return async function authenticate(channel, identity, secret, context) {
    const now = clock.now();
    const address = parseAddress(identity);
    const accountName = address.ok ? address.value : identity.trim().toLowerCase();
    const key = throttleKey(untrusted(accountName, 320), context.ip);
    let user: User | undefined;
    /** The record's method; the second factor adds to it ("web password + TOTP"). */
    let method = context.method;
    /** What the client is told, when it must not be the reason's own sentence (access policies after the secret). */
    let answerAs: DenyReason | undefined;
    const lookUp = async () => (user = address.ok ? await store.users.findByAddress(address.value) : undefined);

    // The record, and a success's own writes, are one group commit (Store.transaction): logins
    // come often and many at once, and a commit of its own each (with its sync) would cost
    // more than the rest of a login with a client security password.
    const finish = async (reason: DenyReason | "ok", used?: UsedCredential, mustChange?: Stale, alongside?: (tx: Tx) => Promise<void>, extra: FinishExtra = {}): Promise<AuthResult> => {
      const place = recordPlace(context.ip, deps.geoip, deps.asn);
      const record = {
        at: now,
        identity: address.ok ? address.value : untrusted(identity),
        userId: user?.id ?? null,
        channel,
        ip: context.ip,
        clientId: context.clientId === undefined ? null : untrusted(context.clientId),
        method,
        result: reason === "ok" ? ("success" as const) : reason === "second_factor_required" ? ("pending" as const) : ("failure" as const),
        reason,
        ...place.stored,
        appPasswordName: used?.kind === "app_password" ? untrusted(used.name) : null,
      };
      const stored = await store.transaction(
        async (tx) => {
          await alongside?.(tx);
          return tx.loginRecords.append(record);
        },
        // Not durable (decision 0019): a login waits for no disk flush; a machine crash may lose
        // the last moments of login records, never a message (those stay durable).
        { group: true, durable: false },
      );
      deps.onRecorded?.({ record: stored, coordinates: place.coordinates, domainId: user?.domainId ?? domain?.id ?? null, domainSettings });
      if (reason === "ok" && user && used) {
        const { id: userId } = user;
        const track: TrackSession = (owner, end) => live.register(userId, used, channel, owner, end);
        // The banner at web login: the main password expires within the reminder window (issue 6 item 5).
        const expiresIn = used.kind === "password" && !isClientProtocol(channel) ? passwordExpiresInDays(domainSettings, user, now) : undefined;
        const banner = expiresIn === undefined ? {} : { passwordExpiresInDays: expiresIn };
        return { ok: true, userId, address: user.address, credential: used, track, ...(mustChange ? { mustChangePassword: mustChange } : {}), ...banner, ...extra.ok };
      }
      const denial = publicDenial[answerAs ?? (reason as DenyReason)];
      return { ok: false, reason: reason as DenyReason, publicMessage: denial.message, temporary: denial.temporary, ...(extra.pending ? { pending: extra.pending } : {}) };
    };

    /** A failure answered like a wrong password: counted per account+network and per network, then delayed. */
    const fail = async (reason: DenyReason): Promise<AuthResult> => {
      // The counters go in the record's transaction: a password-guessing burst costs no
      // commit of its own per attempt (decision 0019).
      let delay = 0;
      const result = await finish(reason, undefined, undefined, async (tx) => {
        delay = await throttle.recordFailure(key, now, tx.throttle);
        await countIpFailure(tx, ipBlock, context.ip, now);
      });
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

    // Access policies (decision 0015): one for every account of the domain refuses here, for any
    // name alike and with its own sentence; one that names accounts only after the secret, below.
    const policies = domain ? await store.accessPolicies.enabledFor(domain.id) : [];
    const place = loginPlace(channel, context.ip, deps.geoip);
    const refusedHere = refusedBeforeSecret(policies, place);
    if (refusedHere) {
      method = policyMethod(context.method, refusedHere);
      return refuse("access_policy_denied");
    }
    /** After the secret, first of the account's rules: a refused place learns nothing of the password. */
    const policyDenial = async (account: User, name: Address): Promise<DenyReason | null> => {
      const policy = await refusedForAccount(policies, { address: name, groups: () => store.loginSettings.groupsOfUser(account.id) }, place);
      if (!policy) return null;
      method = policyMethod(context.method, policy);
      answerAs = "invalid_credentials";
      return "access_policy_denied";
    };

    /** Step 6, second half (web/API, decision 0013): the first step's ticket and the second factor, no password. */
    const secondStep = async (step: NonNullable<LoginContext["secondFactor"]>): Promise<AuthResult> => {
      const ticket = user && !isClientProtocol(channel) ? second.ticket(step.ticket, user, channel, context.ip, now) : undefined;
      if (!ticket || !user || !address.ok) return fail("second_factor_invalid");
      // Checked again: the account may have been suspended or its rules changed since the first step.
      const denied = (await policyDenial(user, address.value)) ?? (await accountDenial(user, address.value, domainSettings, rules, channel, context.ip, { kind: "password" }));
      if (denied !== null) {
        second.void(ticket);
        return failures.has(denied) ? fail(denied) : finish(denied);
      }
      const proved = await second.prove(ticket, step.proof, context, now);
      if (!proved.ok) return fail("second_factor_invalid");
      method = `${context.method} + ${proved.label}`;
      const ok = { secondFactor: proved.kind, ...(proved.rememberedBrowser ? { rememberedBrowser: proved.rememberedBrowser } : {}) };
      return finish("ok", { kind: "password" }, ticket.stale ?? undefined, (tx) => throttle.recordSuccess(key, tx.throttle), { ok });
    };

    // Steps 3 and 6: the account and its secret.
    await lookUp();
    if (context.secondFactor !== undefined) return secondStep(context.secondFactor);
    const outcome = await checkSecret({ store, passwords, appPasswordKey: deps.appPasswordKey }, user, channel, secret, domainSettings.appPasswordExpiryDays, now);
    if (!outcome.ok) return fail(outcome.reason);
    if (!user || !address.ok) return fail("unknown_account");

    // The account's own rules, told only to whoever holds a right secret.
    const reason = (await policyDenial(user, address.value)) ?? (await accountDenial(user, address.value, domainSettings, rules, channel, context.ip, outcome.credential));
    if (reason !== null) return failures.has(reason) ? fail(reason) : finish(reason);
    // Step 7: a main password that must be changed is refused over the protocols; the web and
    // API get a session that may only change it.
    const stale = outcome.credential.kind === "password" ? staleness(domainSettings, user, secret, now) : null;
    if (stale !== null && isClientProtocol(channel)) return finish(stale);

    // Step 6 for web and API: the second factor, unless this browser was remembered (decision 0013).
    let okExtra: FinishExtra["ok"] = {};
    if (!isClientProtocol(channel)) {
      const first = await second.afterPassword(user, domainSettings, channel, context, stale, now);
      if (first.kind === "pending") return finish("second_factor_required", undefined, undefined, undefined, { pending: first.pending });
      if (first.remembered) method = `${context.method} + remembered browser`;
      if (first.mustEnrol) okExtra = { mustEnrolSecondFactor: true };
    }

    const { credential } = outcome;
    if (credential.kind === "password" && passwords.needsRehash(user.passwordHash)) await store.users.setPassword(user.id, await passwords.hash(secret), user.passwordChangedAt, user.mustChangePassword);
    return finish("ok", credential, stale ?? undefined, async (tx) => {
      await throttle.recordSuccess(key, tx.throttle);
      if (credential.kind === "app_password" && isClientProtocol(channel)) await tx.appPasswords.markUsed(credential.id, now, context.ip, channel);
    }, { ok: okExtra });
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
      // An account with two-factor login never takes its main password over IMAP/POP3/SMTP (decision 0013).
      if (securityPasswordRule(domain, account, address, groups).required || (await second.enrolled(user.id))) return "security_password_required";
    }
    return null;
  }
}
