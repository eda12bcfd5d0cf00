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
import { LoginSettingsService } from "./core/auth/login-settings-service.js";
import { PasswordPolicyService } from "./core/auth/password-policy-service.js";
import type { PasswordHasher } from "./core/auth/passwords.js";
import type { Clock } from "./core/ports/clock.js";
import type { Store } from "./core/ports/store.js";
import { AuditLog } from "./core/security/audit.js";
import { LiveSessions } from "./core/security/live-sessions.js";
import { loadOrCreateKey } from "./adapters/secrets/key-file.js";
import type { Logger } from "./shared/logger.js";

/** Where the key of client security passwords lives, relative to the data folder. */
export const appPasswordKeyFile = path.join("keys", "client-security-passwords.key");

/** How often the server ends sessions of client security passwords deleted by another process. */
const sweepIntervalMs = 30_000;

export interface AuthSecurityDeps {
  readonly appPasswordKey: AppPasswordKeySource;
  readonly liveSessions: LiveSessions;
  readonly ipBlock: IpBlockSettings;
}

export function authSecurityDeps(dataDir: string, auth: Settings["auth"]): AuthSecurityDeps {
  const minute = 60_000;
  let key: AppPasswordKey | undefined;
  return {
    appPasswordKey: () => (key ??= appPasswordKey(loadOrCreateKey(path.join(dataDir, appPasswordKeyFile)))),
    liveSessions: new LiveSessions(),
    ipBlock: { afterFailures: auth.ip_block_after_failures, windowMs: auth.ip_failure_window_minutes * minute, blockMs: auth.ip_block_minutes * minute },
  };
}

export interface LoginSecurity {
  readonly audit: AuditLog;
  readonly settings: LoginSettingsService;
  readonly appPasswords: AppPasswordService;
  readonly ipRules: IpRuleService;
  readonly passwordPolicy: PasswordPolicyService;
  readonly liveSessions: LiveSessions;
  /** Starts ending, every 30 s, the sessions of client security passwords deleted elsewhere (`moat start` only). */
  startRevocationSweep(logger: Logger): void;
  stop(): void;
}

export function createLoginSecurity(store: Store, clock: Clock, accounts: AccountService, deps: AuthSecurityDeps, passwords: PasswordHasher): LoginSecurity {
  const audit = new AuditLog(store, clock);
  const appPasswords = new AppPasswordService(store, accounts, audit, clock, deps.appPasswordKey, deps.liveSessions, passwords);
  let timer: NodeJS.Timeout | undefined;
  return {
    audit,
    settings: new LoginSettingsService(store, accounts, audit, clock),
    appPasswords,
    ipRules: new IpRuleService(store, accounts, audit, clock),
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
