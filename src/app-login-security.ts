// Composition of the login-security features of issue 6: the key of client security
// passwords (a file of the data folder, decision 0010), the registry of live protocol
// sessions, the automatic IP block settings, and the admin services over them. Kept apart
// from app.ts so the wiring of one feature reads in one place.
import path from "node:path";
import type { Settings } from "./config/schema.js";
import type { AccountHooks, AccountService } from "./core/accounts/service.js";
import { appPasswordKey, type AppPasswordKey, type AppPasswordKeySource } from "./core/auth/app-password-secret.js";
import { AppPasswordService } from "./core/auth/app-passwords.js";
import type { IpBlockSettings } from "./core/auth/ip-rules.js";
import { IpRuleService } from "./core/auth/ip-rule-service.js";
import { AccessPolicyService } from "./core/auth/access-policy-service.js";
import type { GeoIpDatabase } from "./core/ports/geoip.js";
import { createGeoLite2 } from "./adapters/geoip/index.js";
import type { AsnDatabase } from "./core/ports/asn.js";
import { createAsnTable } from "./adapters/asn/index.js";
import { LoginSettingsService } from "./core/auth/login-settings-service.js";
import { PasswordPolicyService } from "./core/auth/password-policy-service.js";
import type { PasswordHasher } from "./core/auth/passwords.js";
import type { Clock } from "./core/ports/clock.js";
import type { Store } from "./core/ports/store.js";
import { AuditLog } from "./core/security/audit.js";
import { LiveSessions } from "./core/security/live-sessions.js";
import { loadOrCreateKey } from "./adapters/secrets/key-file.js";
import type { Logger } from "./shared/logger.js";
import { createTwoFactorService } from "./app-two-factor.js";
import type { TwoFactorService } from "./core/auth/two-factor/service.js";
import type { WebAuthnSettings } from "./core/auth/two-factor/passkeys.js";
import type { TicketBook } from "./core/auth/two-factor/tickets.js";
import type { PhoneCodeCheck } from "./core/auth/types.js";
import type { SecretSealer } from "./core/ports/sealer.js";

/** Where the key of client security passwords lives, relative to the data folder. */
export const appPasswordKeyFile = path.join("keys", "client-security-passwords.key");

/** How often the server ends sessions of client security passwords deleted by another process. */
const sweepIntervalMs = 30_000;

export interface AuthSecurityDeps {
  readonly appPasswordKey: AppPasswordKeySource;
  readonly liveSessions: LiveSessions;
  readonly ipBlock: IpBlockSettings;
  /** Countries for access policies (decision 0015); absent in tests that need none: no address has a country. */
  readonly geoip?: GeoIpDatabase | undefined;
  /** The network (AS) of public addresses in login records (decision 0024); loaded by the first public login. */
  readonly asn?: AsnDatabase | undefined;
  /** Two-factor login (app-two-factor.ts, decision 0013): the TOTP sealing key and the WebAuthn relying party; absent, no TOTP verifies. */
  readonly twoFactorSealer?: SecretSealer | undefined;
  readonly webauthn?: WebAuthnSettings | undefined;
  /** The bound phone as the fallback second factor. */
  readonly phoneCodes?: PhoneCodeCheck | undefined;
  /** authenticate()'s login tickets, shared with TwoFactorService (the SMS code of the second step). */
  readonly loginTickets?: TicketBook | undefined;
}

export function authSecurityDeps(dataDir: string, auth: Settings["auth"]): AuthSecurityDeps {
  const minute = 60_000;
  let key: AppPasswordKey | undefined;
  return {
    appPasswordKey: () => (key ??= appPasswordKey(loadOrCreateKey(path.join(dataDir, appPasswordKeyFile)))),
    liveSessions: new LiveSessions(),
    ipBlock: { afterFailures: auth.ip_block_after_failures, windowMs: auth.ip_failure_window_minutes * minute, blockMs: auth.ip_block_minutes * minute },
    geoip: createGeoLite2(),
    asn: createAsnTable(),
  };
}

export interface LoginSecurity {
  readonly audit: AuditLog;
  readonly settings: LoginSettingsService;
  readonly appPasswords: AppPasswordService;
  readonly ipRules: IpRuleService;
  /** Named access policies by place and channel (decision 0015). */
  readonly accessPolicies: AccessPolicyService;
  readonly geoip: GeoIpDatabase | undefined;
  readonly passwordPolicy: PasswordPolicyService;
  readonly liveSessions: LiveSessions;
  /** TOTP, passkeys, recovery codes, remembered browsers, the domain's requirement (decision 0013). */
  readonly twoFactor: TwoFactorService;
  /** Starts ending, every 30 s, the sessions of client security passwords deleted elsewhere (`moat start` only). */
  startRevocationSweep(logger: Logger): void;
  stop(): void;
}

/** `onDomainChanged`: after an admin changed a domain's settings (the password-expiry notices, app-phone.ts). */
export function createLoginSecurity(
  store: Store,
  clock: Clock,
  accounts: AccountService,
  deps: AuthSecurityDeps,
  passwords: PasswordHasher,
  onDomainChanged?: ConstructorParameters<typeof LoginSettingsService>[4],
): LoginSecurity {
  const audit = new AuditLog(store, clock);
  const settings = new LoginSettingsService(store, accounts, audit, clock, onDomainChanged);
  const twoFactor = createTwoFactorService(store, accounts, audit, clock, settings, { ...deps, passwords });
  const appPasswords = new AppPasswordService(store, accounts, audit, clock, deps.appPasswordKey, deps.liveSessions, passwords, twoFactor);
  let timer: NodeJS.Timeout | undefined;
  return {
    audit,
    settings,
    twoFactor,
    appPasswords,
    ipRules: new IpRuleService(store, accounts, audit, clock),
    accessPolicies: new AccessPolicyService(store, accounts, audit, clock, deps.geoip),
    geoip: deps.geoip,
    passwordPolicy: new PasswordPolicyService(store, passwords),
    liveSessions: deps.liveSessions,
    startRevocationSweep(logger) {
      timer ??= setInterval(() => {
        appPasswords.sweepRevoked().catch((err: unknown) => logger.warn({ err }, "ending sessions of deleted client security passwords failed"));
      }, sweepIntervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** What accounts/ must tell login security; `security` is read late (the two refer to each other). */
export function loginSecurityHooks(deps: AuthSecurityDeps, security: () => LoginSecurity): Required<Pick<AccountHooks, "onUserAdded" | "onAppPasswordsRevoked" | "checkPassword">> {
  return {
    checkPassword: (subject, password) => security().passwordPolicy.check(subject, password),
    onUserAdded: (user) => security().settings.applyNewAccountDefaults(user),
    onAppPasswordsRevoked: (user, ids) => void deps.liveSessions.endAppPasswords(user.id, ids),
  };
}
