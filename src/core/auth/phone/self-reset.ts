// Password self-reset with the bound phone (issue 6, item 6; decision 0016). start() answers
// the same, at once, whether or not the account exists, is active or has a phone: the code,
// when there is one to send, goes out after the answer, so neither the reply nor its timing
// tells who has an account. finish() checks the code, then the domain's password policy (every
// failing reason at once, the code kept for another try), then uses the code and sets the
// password through AccountService.setPassword: the path of every password change, which
// revokes the client security passwords (and web sessions) and writes the audit log.
import { parseAddress } from "../../../mail/address.js";
import { MoatError } from "../../../shared/errors.js";
import type { Logger } from "../../../shared/logger.js";
import type { AccountService, PasswordSubject } from "../../accounts/service.js";
import type { User } from "../../accounts/types.js";
import type { Store } from "../../ports/store.js";
import { checkPasswordShape } from "../passwords.js";
import type { AuditLog } from "../../security/audit.js";
import { maskPhoneNumber } from "./number.js";
import type { PhoneService } from "./phone-service.js";

export interface SelfResetDeps {
  readonly store: Store;
  readonly accounts: AccountService;
  readonly phone: PhoneService;
  /** The domain's password policy (PasswordPolicyService.check): throws invalid_password with every reason. */
  readonly checkPassword: (subject: PasswordSubject, password: string) => Promise<void>;
  readonly audit: AuditLog;
  readonly logger?: Logger | undefined;
}

/** The one answer of start(), whatever the account. */
export const resetStartedMessage = "If the account exists and has a bound phone, a code is on its way to it.";

const wrongCode = () => new MoatError("code_invalid", "the code is wrong, used or expired; ask for a new one");

export class PasswordSelfReset {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: SelfResetDeps) {}

  /** Always the same answer; a password_reset code goes to the bound phone when there is one (rate-limited). */
  start(address: string): { message: string } {
    const sending = this.sendCode(address)
      .catch((err: unknown) => this.deps.logger?.warn({ err }, "password reset code not sent"))
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    return { message: resetStartedMessage };
  }

  /** Resolves once the codes of earlier start() calls are sent (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  async finish(address: string, code: string, newPassword: string): ReturnType<AccountService["setPassword"]> {
    const user = await this.account(address);
    if (!user) throw wrongCode();
    const phone = await this.deps.store.phones.get(user.id);
    const live = await this.deps.phone.codes.check(user.id, "password_reset", code, { consume: false });
    if (!live || !phone || live.target !== phone.number) throw wrongCode();
    // The policy before the code is used, so a refused password leaves the code for the next try.
    checkPasswordShape(newPassword);
    await this.deps.checkPassword({ domainId: user.domainId, address: user.address, displayName: user.displayName, user }, newPassword);
    if (!(await this.deps.phone.codes.consume(live))) throw wrongCode();
    const actor = { kind: "user" as const, userId: user.id, address: user.address };
    const result = await this.deps.accounts.setPassword(user.address, newPassword, actor, { temporary: false });
    // setPassword's entry says the password changed; this one says how the user proved who they are.
    await this.deps.audit.record(actor, { action: "user.password_reset", target: user.address, before: null, after: { via: "bound_phone", phone: maskPhoneNumber(phone.number) } });
    return result;
  }

  private async sendCode(address: string): Promise<void> {
    const user = await this.account(address);
    if (user) await this.deps.phone.send(user.id, "password_reset");
  }

  /** An active account, or undefined for anything else (a bad address included). */
  private async account(address: string): Promise<User | undefined> {
    const parsed = parseAddress(address);
    if (!parsed.ok) return undefined;
    const user = await this.deps.store.users.findByAddress(parsed.value);
    return user?.status === "active" ? user : undefined;
  }
}
