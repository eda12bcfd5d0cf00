// Composition of the bound phone and the password-expiry reminders (issue 6, items 5 and 6;
// decision 0016): the SMS sender chosen by [sms], the code and binding services, the password
// self-reset, the reminders, and the hourly upkeep `moat start` runs (reminders, pruning of
// old codes and of the outbox). Kept apart from app.ts so this feature's wiring reads in one place.
import type { Settings } from "./config/schema.js";
import type { AccountService } from "./core/accounts/service.js";
import type { PasswordHasher } from "./core/auth/passwords.js";
import { PasswordExpiryReminders } from "./core/auth/password-expiry-reminders.js";
import { PasswordSelfReset, PhoneCodes, PhoneService, SmsOutbox, type PhoneCodeLimits } from "./core/auth/phone/index.js";
import type { MailFlow } from "./core/flow/types.js";
import type { Clock } from "./core/ports/clock.js";
import type { SmsSender } from "./core/ports/sms.js";
import type { Store } from "./core/ports/store.js";
import { createSmsSender } from "./adapters/sms/index.js";
import type { LoginSecurity } from "./app-login-security.js";
import type { Logger } from "./shared/logger.js";

const upkeepEveryMs = 3_600_000;

export interface PhoneFeatures {
  readonly sender: SmsSender;
  /** Binding, and the PhoneCodeCheck of the "sms" second factor. */
  readonly phones: PhoneService;
  readonly selfReset: PasswordSelfReset;
  readonly outbox: SmsOutbox;
  readonly reminders: PasswordExpiryReminders;
  /** Runs the upkeep now and hourly (`moat start` only). */
  startUpkeep(): void;
  stop(): Promise<void>;
}

export interface PhoneDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly accounts: AccountService;
  readonly loginSecurity: LoginSecurity;
  readonly passwords: PasswordHasher;
  readonly flow: MailFlow;
  readonly hostname: string;
  /** For tests: a sender instead of the one [sms] names. */
  readonly sender?: SmsSender | undefined;
}

/** The codes, the binding service and the self-reset over one sender (also what tests wire). */
export function phoneServices(deps: Omit<PhoneDeps, "flow" | "hostname" | "sender"> & { readonly sender: SmsSender; readonly limits: PhoneCodeLimits }) {
  const { store, clock, accounts, loginSecurity } = deps;
  const codes = new PhoneCodes(store, clock, deps.sender, deps.limits);
  const phones = new PhoneService(store, clock, accounts, loginSecurity.audit, deps.passwords, codes);
  const selfReset = new PasswordSelfReset({
    store,
    accounts,
    phone: phones,
    checkPassword: (subject, password) => loginSecurity.passwordPolicy.check(subject, password),
    audit: loginSecurity.audit,
    logger: deps.logger,
  });
  return { codes, phones, selfReset };
}

export function createPhoneFeatures(sms: Settings["sms"], deps: PhoneDeps): PhoneFeatures {
  const { store, clock, logger } = deps;
  const sender = deps.sender ?? createSmsSender(sms, { outbox: store.smsOutbox, clock, logger });
  const limits = { perAccountPerHour: sms.max_per_account_per_hour, perNumberPerHour: sms.max_per_number_per_hour };
  const { codes, phones, selfReset } = phoneServices({ ...deps, sender, limits });
  const outbox = new SmsOutbox(store, clock, sms.outbox_retention_days);
  const reminders = new PasswordExpiryReminders(store, clock, deps.flow, deps.hostname);
  let timer: NodeJS.Timeout | undefined;
  const upkeep = async () => {
    await reminders.run();
    await codes.prune();
    await outbox.prune();
  };
  return {
    sender,
    phones,
    selfReset,
    outbox,
    reminders,
    startUpkeep() {
      const tick = () => void upkeep().catch((err: unknown) => logger.warn({ err }, "password reminders or phone upkeep failed"));
      if (timer) return;
      tick();
      timer = setInterval(tick, upkeepEveryMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await selfReset.idle();
    },
  };
}
