// The bound phone of issue 6 over a test store, wired by app-phone.ts's phoneServices, with the real
// `log` sender: every code "sent" lands in the outbox table, where the tests read it as an
// admin would (`moat sms outbox`).
import type { TestContext } from "node:test";
import { createLogSmsSender } from "../../src/adapters/sms/index.js";
import { createPasswordHasher } from "../../src/core/auth/passwords.js";
import type { PasswordSelfReset, PhoneCodes, PhoneService, PhoneCodeLimits } from "../../src/core/auth/phone/index.js";
import { phoneServices } from "../../src/app-phone.js";
import type { SmsSender } from "../../src/core/ports/sms.js";
import type { Store } from "../../src/core/ports/store.js";
import { createLogger } from "../../src/shared/logger.js";
import { securityCore, type SecurityCore } from "./login-security-setup.js";

export const silentLogger = createLogger({ level: "silent", pretty: false });

export interface PhoneCore extends SecurityCore {
  readonly codes: PhoneCodes;
  readonly phones: PhoneService;
  readonly reset: PasswordSelfReset;
  /** The newest code the log sender "sent" to this number, read from the outbox. */
  lastCode(number: string): Promise<string | undefined>;
  /** How many messages went to this number. */
  sentTo(number: string): Promise<number>;
}

export async function phoneCore(t: TestContext, store: Store, opts: { limits?: Partial<PhoneCodeLimits>; sender?: SmsSender } = {}): Promise<PhoneCore> {
  // The bound phone is the "sms" second factor too, bound late as app.ts binds it.
  const core = await securityCore(t, store, { phoneCodes: () => phones });
  const sender = opts.sender ?? createLogSmsSender({ outbox: store.smsOutbox, clock: core.clock, logger: silentLogger });
  const limits = { perAccountPerHour: 5, perNumberPerHour: 5, ...opts.limits };
  const { codes, phones, selfReset: reset } = phoneServices({ store, clock: core.clock, logger: silentLogger, accounts: core.accounts, loginSecurity: core.security, passwords: createPasswordHasher(4), sender, limits });
  const outbox = (number: string) => store.smsOutbox.list({ limit: 1000, to: number });
  return {
    ...core,
    codes,
    phones,
    reset,
    lastCode: async (number) => /is (\d{6})\./.exec((await outbox(number))[0]?.text ?? "")?.[1],
    sentTo: async (number) => (await outbox(number)).length,
  };
}
