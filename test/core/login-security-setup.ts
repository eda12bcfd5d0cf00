// The core of issue 6 over a test store, wired as the composition root wires it (app.ts,
// app-login-security.ts): accounts with the login-security hooks, authenticate() with the
// client-security-password key and the live-session registry, and the admin services.
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { createLoginSecurity, loginSecurityHooks, type AuthSecurityDeps, type LoginSecurity } from "../../src/app-login-security.js";
import { AccountService } from "../../src/core/accounts/service.js";
import type { User } from "../../src/core/accounts/types.js";
import { appPasswordKey } from "../../src/core/auth/app-password-secret.js";
import { createAuthenticator, type Authenticate } from "../../src/core/auth/authenticate.js";
import type { IpBlockSettings } from "../../src/core/auth/ip-rules.js";
import type { ThrottleSettings } from "../../src/core/auth/throttle.js";
import type { PasswordHasher } from "../../src/core/auth/passwords.js";
export { countingHasher } from "../support/counting-hasher.js";
import type { LoginContext, PhoneCodeCheck } from "../../src/core/auth/types.js";
import { TicketBook } from "../../src/core/auth/two-factor/tickets.js";
import { latePhoneCodes } from "../../src/app-two-factor.js";
import type { Store } from "../../src/core/ports/store.js";
import type { BlobStore } from "../../src/core/ports/blobs.js";
import type { GeoIpDatabase } from "../../src/core/ports/geoip.js";
import type { Actor } from "../../src/core/security/audit.js";
import { LiveSessions } from "../../src/core/security/live-sessions.js";
import { TestClock } from "../support/clock.js";
import { createAesGcmSealer } from "../../src/adapters/secrets/aes-gcm-sealer.js";
import { webAuthnSettings } from "../../src/core/auth/two-factor/passkeys.js";
import { coreFor } from "../support/core.js";

export const PASSWORD = "correct horse battery staple";
/** The web interface's origin in tests: passkeys are made for mail.example.com. */
export const testOrigin = "https://mail.example.com";
export const admin: Actor = { kind: "admin", name: "cli:tester" };
export const ctx = (ip = "198.51.100.7", method = "TEST LOGIN"): LoginContext => ({ ip, secure: true, method });

export interface SecurityCore {
  readonly store: Store;
  readonly clock: TestClock;
  readonly accounts: AccountService;
  readonly security: LoginSecurity;
  readonly authenticate: Authenticate;
  readonly deps: AuthSecurityDeps;
  readonly alice: User;
  readonly blobs: BlobStore;
  /** The login records' reasons, oldest first. */
  reasons(): Promise<string[]>;
}

export interface SecurityCoreOptions {
  readonly throttle?: Partial<ThrottleSettings>;
  readonly ipBlock?: Partial<IpBlockSettings>;
  /** The same key reopens a store with passwords made before (a restart). */
  readonly key?: Buffer;
  readonly passwords?: PasswordHasher;
  /** Countries for access policies (decision 0015); without it no address has one. */
  readonly geoip?: GeoIpDatabase;
  /** The bound phone as the "sms" second factor, found at each use as app.ts does (it is built after this core). */
  readonly phoneCodes?: () => PhoneCodeCheck;
}

export async function securityCore(t: TestContext, store: Store, opts: SecurityCoreOptions = {}): Promise<SecurityCore> {
  const clock = new TestClock();
  const { mailstore, passwords, blobs } = coreFor(t, store, clock, opts.passwords);
  const deps: AuthSecurityDeps = {
    appPasswordKey: ((key) => () => key)(appPasswordKey(opts.key ?? randomBytes(32))),
    liveSessions: new LiveSessions(),
    ipBlock: { afterFailures: 100, windowMs: 86_400_000, blockMs: 3_600_000, ...opts.ipBlock },
    geoip: opts.geoip,
    // Two-factor login (decision 0013): a sealing key of the test's own and the relying party the software authenticator uses.
    twoFactorSealer: createAesGcmSealer(randomBytes(32), "keys/two-factor-sealing.key"),
    webauthn: webAuthnSettings(testOrigin),
    loginTickets: new TicketBook(),
    ...(opts.phoneCodes ? { phoneCodes: latePhoneCodes(opts.phoneCodes) } : {}),
  };
  const accounts: AccountService = new AccountService(store, passwords, clock, mailstore, loginSecurityHooks(deps, () => security));
  const security = createLoginSecurity(store, clock, accounts, deps, passwords);
  const throttle: ThrottleSettings = { failureDelayMs: 0, maxFailureDelayMs: 0, blockAfterFailures: 100, blockMs: 60_000, windowMs: 3_600_000, ...opts.throttle };
  const authenticate = createAuthenticator({ store, clock, passwords, throttle, ...deps });
  if (!(await store.domains.findByName("example.com" as never))) await accounts.addDomain("example.com");
  const alice = (await store.users.findByAddress("alice@example.com" as never)) ?? (await accounts.addUser({ address: "alice@example.com", password: PASSWORD }));
  const reasons = async () => (await store.loginRecords.list({ limit: 1000 })).reverse().map((r) => r.reason);
  return { store, clock, accounts, security, authenticate, deps, alice, blobs, reasons };
}

/** The reason of a refusal, or "ok". */
export async function outcome(result: Promise<Awaited<ReturnType<Authenticate>>>): Promise<string> {
  const r = await result;
  return r.ok ? "ok" : r.reason;
}
