// Composition of two-factor login (issue 6 item 3, decision 0013): the key that seals TOTP
// secrets (a file of the data folder, read on first use) and the WebAuthn relying party from
// [web] public_origin. authenticate() and TwoFactorService both receive these through
// AuthSecurityDeps (app-login-security.ts).
import path from "node:path";
import type { Settings } from "./config/schema.js";
import { webAuthnSettings, type WebAuthnSettings } from "./core/auth/two-factor/passkeys.js";
import type { SecretSealer } from "./core/ports/sealer.js";
import type { Store } from "./core/ports/store.js";
import type { Clock } from "./core/ports/clock.js";
import type { AccountService } from "./core/accounts/service.js";
import type { AppPasswordKeySource } from "./core/auth/app-password-secret.js";
import type { LoginSettingsService } from "./core/auth/login-settings-service.js";
import { TwoFactorService } from "./core/auth/two-factor/service.js";
import type { PhoneCodeCheck } from "./core/auth/types.js";
import type { PasswordHasher } from "./core/auth/passwords.js";
import { TicketBook } from "./core/auth/two-factor/tickets.js";
import type { AuditLog } from "./core/security/audit.js";
import { MoatError } from "./shared/errors.js";
import { createAesGcmSealer } from "./adapters/secrets/aes-gcm-sealer.js";
import { loadOrCreateKey } from "./adapters/secrets/key-file.js";

/** The key that seals TOTP secrets, relative to the data folder (one key per purpose, decision 0011). */
export const twoFactorKeyFile = path.join("keys", "two-factor-sealing.key");

export interface TwoFactorDeps {
  readonly twoFactorSealer: SecretSealer;
  readonly webauthn: WebAuthnSettings;
  readonly phoneCodes?: PhoneCodeCheck;
  /** One book of login tickets for authenticate() and TwoFactorService (the second step's SMS code). */
  readonly loginTickets: TicketBook;
}

/** A sealer that reads its key only when a secret is first sealed or opened. */
export function lazySealer(make: () => SecretSealer): SecretSealer {
  let sealer: SecretSealer | undefined;
  const get = () => (sealer ??= make());
  return {
    seal: (plain, context) => get().seal(plain, context),
    open: (sealed, context) => get().open(sealed, context),
    isSealed: (value) => get().isSealed(value),
  };
}

/**
 * `phones`: the bound phone's PhoneCodeCheck, read at each use: it is built after authenticate()
 * (it needs login security), so it is bound late.
 */
export function twoFactorDeps(dataDir: string, settings: Pick<Settings, "web" | "server">, phones?: () => PhoneCodeCheck): TwoFactorDeps {
  const origin = settings.web.public_origin || `https://${settings.server.hostname}`;
  return {
    twoFactorSealer: lazySealer(() => createAesGcmSealer(loadOrCreateKey(path.join(dataDir, twoFactorKeyFile)), twoFactorKeyFile)),
    webauthn: webAuthnSettings(origin),
    loginTickets: new TicketBook(),
    ...(phones ? { phoneCodes: latePhoneCodes(phones) } : {}),
  };
}

/** A PhoneCodeCheck that finds the phone service at each use (it is built after authenticate()). */
export function latePhoneCodes(phones: () => PhoneCodeCheck): PhoneCodeCheck {
  return {
    hasBoundPhone: (userId) => phones().hasBoundPhone(userId),
    send: (userId, purpose) => phones().send(userId, purpose),
    verify: (userId, purpose, code) => phones().verify(userId, purpose, code),
  };
}

/** TwoFactorService with the deps authenticate() also gets; without a sealer no TOTP secret is sealed or opened (fail closed). */
export function createTwoFactorService(
  store: Store,
  accounts: AccountService,
  audit: AuditLog,
  clock: Clock,
  settings: LoginSettingsService,
  deps: {
    appPasswordKey: AppPasswordKeySource;
    twoFactorSealer?: SecretSealer | undefined;
    webauthn?: WebAuthnSettings | undefined;
    phoneCodes?: PhoneCodeCheck | undefined;
    loginTickets?: TicketBook | undefined;
    passwords?: PasswordHasher | undefined;
  },
): TwoFactorService {
  const noKey = (): never => {
    throw new MoatError("config_invalid", `two-factor login has no sealing key (${twoFactorKeyFile})`);
  };
  const sealer: SecretSealer = deps.twoFactorSealer ?? { seal: noKey, open: noKey, isSealed: () => true };
  return new TwoFactorService(store, accounts, audit, clock, { sealer, key: deps.appPasswordKey, webauthn: deps.webauthn ?? webAuthnSettings("https://localhost"), phoneCodes: deps.phoneCodes, loginTickets: deps.loginTickets, passwords: deps.passwords }, settings);
}
