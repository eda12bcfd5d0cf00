// Composition root: settings → store → core services. Used by `moat start` (main.ts) and by
// every `moat` admin subcommand, so both see exactly the same rules.
import path from "node:path";
import type { LoadedSettings } from "./config/load.js";
import { AccountService } from "./core/accounts/service.js";
import { createAuthenticator, type Authenticate } from "./core/auth/authenticate.js";
import { createPasswordHasher } from "./core/auth/passwords.js";
import { systemClock, type Clock } from "./core/ports/clock.js";
import type { Store } from "./core/ports/store.js";
import { LoginRecordService } from "./core/security/login-records.js";
import type { Logger } from "./shared/logger.js";
import { openStore } from "./store/open.js";

export interface Moat {
  readonly loaded: LoadedSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly logins: LoginRecordService;
  readonly authenticate: Authenticate;
  close(): Promise<void>;
}

export async function openMoat(loaded: LoadedSettings, logger: Logger, opts: { clock?: Clock } = {}): Promise<Moat> {
  const { settings, dataDir } = loaded;
  const clock = opts.clock ?? systemClock;
  const store = await openStore(
    settings.database.url ? { databaseUrl: settings.database.url } : { sqlitePath: path.join(dataDir, "moat.db") },
  );
  const passwords = createPasswordHasher(settings.auth.hash_concurrency);
  const minute = 60_000;
  const authenticate = createAuthenticator({
    store,
    clock,
    passwords,
    throttle: {
      failureDelayMs: settings.auth.failure_delay_ms,
      maxFailureDelayMs: settings.auth.max_failure_delay_ms,
      blockAfterFailures: settings.auth.block_after_failures,
      blockMs: settings.auth.block_minutes * minute,
      windowMs: settings.auth.failure_window_minutes * minute,
    },
  });
  return {
    loaded,
    logger,
    clock,
    store,
    accounts: new AccountService(store, passwords, clock),
    logins: new LoginRecordService(store, clock, settings.login_records.retention_days),
    authenticate,
    close: () => store.close(),
  };
}
