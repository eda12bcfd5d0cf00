// The bound (secure) phone of an account (issue 6, item 6; decision 0016): bound by a code sent
// to it; changed only with the main password and a code to the OLD number, then a code to the
// new one; removed with the password (or by an admin). Every change is in the audit log. It is
// also the PhoneCodeCheck the second factor uses for its "sms" fallback.
import { MoatError } from "../../../shared/errors.js";
import type { AccountService } from "../../accounts/service.js";
import type { EpochMs, User } from "../../accounts/types.js";
import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { Actor, AuditLog } from "../../security/audit.js";
import type { PasswordHasher } from "../passwords.js";
import type { PhoneCodeCheck, PhoneCodePurpose } from "../types.js";
import type { PhoneCodes } from "./codes.js";
import { normalisePhoneNumber } from "./number.js";

export interface PhoneView {
  readonly address: string;
  readonly number: string | null;
  readonly verifiedAt: EpochMs | null;
}

const wrongCode = () => new MoatError("code_invalid", "the code is wrong, used or expired; ask for a new one");
const limited = () => new MoatError("rate_limited", "too many codes were sent; try again in an hour");

export class PhoneService implements PhoneCodeCheck {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly passwords: PasswordHasher,
    readonly codes: PhoneCodes,
  ) {}

  // --- PhoneCodeCheck: the "sms" second factor and the password self-reset ---

  async hasBoundPhone(userId: number): Promise<boolean> {
    return (await this.store.phones.get(userId)) !== undefined;
  }

  /** False when no phone is bound or sends are rate-limited; a failing sender throws sms_failed. */
  async send(userId: number, purpose: PhoneCodePurpose): Promise<boolean> {
    const phone = await this.store.phones.get(userId);
    if (!phone) return false;
    return (await this.codes.send(userId, purpose, phone.number)) === "sent";
  }

  /** A code sent to the number bound now, for this purpose; used up when it verifies. */
  async verify(userId: number, purpose: PhoneCodePurpose, code: string): Promise<boolean> {
    const phone = await this.store.phones.get(userId);
    if (!phone) return false;
    const used = await this.codes.check(userId, purpose, code, { consume: true });
    return used !== undefined && used.target === phone.number;
  }

  // --- Binding, for the web security settings and the `moat phone` command ---

  async show(address: string): Promise<PhoneView> {
    const user = await this.accounts.getUser(address);
    const phone = await this.store.phones.get(user.id);
    return { address: user.address, number: phone?.number ?? null, verifiedAt: phone?.verifiedAt ?? null };
  }

  /**
   * First step of binding: a code to the new number. Refused while a number is bound: changing
   * it must prove the old one (change()). An admin may start it for the user (the CLI).
   */
  async bind(address: string, number: string, actor: Actor): Promise<{ sentTo: string }> {
    const user = await this.own(address, actor);
    const target = normalisePhoneNumber(number);
    if (await this.store.phones.get(user.id)) {
      throw new MoatError("invalid_input", `${user.address} already has a bound phone; change it with the password and a code to the old number, or remove it first`);
    }
    return this.sendOrRefuse(user, "bind", target);
  }

  /** Last step of binding (and of a change): the code sent to the new number binds it. */
  async confirm(address: string, code: string, actor: Actor): Promise<PhoneView> {
    const user = await this.own(address, actor);
    const used = await this.codes.check(user.id, "bind", code, { consume: true });
    if (!used) throw wrongCode();
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const before = await tx.phones.get(user.id);
      await tx.phones.put({ userId: user.id, number: used.target, verifiedAt: now });
      await this.audit.record(actor, { action: before ? "phone.change" : "phone.bind", target: user.address, before: before?.number ?? null, after: used.target }, tx);
    });
    return { address: user.address, number: used.target, verifiedAt: now };
  }

  /** Changing the number, step 1: the main password, then a code to the OLD number. */
  async change(actor: Extract<Actor, { kind: "user" }>, password: string, newNumber: string): Promise<{ sentTo: string }> {
    const user = await this.own(actor.address, actor);
    const target = normalisePhoneNumber(newNumber);
    await this.checkPassword(user, password);
    const phone = await this.store.phones.get(user.id);
    if (!phone) throw new MoatError("invalid_input", "no phone is bound to this account; bind one instead");
    if (phone.number === target) throw new MoatError("invalid_input", "that is already the bound number");
    return this.sendOrRefuse(user, "rebind_old", phone.number, target);
  }

  /** Changing the number, step 2: the code from the old number; a bind code goes to the new one. */
  async confirmOldNumber(actor: Extract<Actor, { kind: "user" }>, code: string): Promise<{ sentTo: string }> {
    const user = await this.own(actor.address, actor);
    const phone = await this.store.phones.get(user.id);
    const used = await this.codes.check(user.id, "rebind_old", code, { consume: true });
    if (!used || !phone || used.target !== phone.number || used.nextNumber === null) throw wrongCode();
    return this.sendOrRefuse(user, "bind", used.nextNumber);
  }

  /** A user removes their phone with the password; an admin without it. */
  async remove(address: string, actor: Actor, password?: string): Promise<{ removed: string | null }> {
    const user = await this.own(address, actor);
    if (actor.kind === "user") await this.checkPassword(user, password ?? "");
    const now = this.clock.now();
    const removed = await this.store.transaction(async (tx) => {
      const gone = await tx.phones.remove(user.id);
      for (const purpose of ["bind", "rebind_old", "password_reset", "second_factor"] as const) await tx.phones.voidCodes(user.id, purpose, now);
      if (gone) await this.audit.record(actor, { action: "phone.remove", target: user.address, before: gone.number, after: null }, tx);
      return gone;
    });
    return { removed: removed?.number ?? null };
  }

  /** The account, which a user may act on only for themselves. */
  private async own(address: string, actor: Actor): Promise<User> {
    const user = await this.accounts.getUser(address);
    if (actor.kind === "user" && actor.userId !== user.id) throw new MoatError("invalid_input", "a user may change only their own phone");
    return user;
  }

  private async checkPassword(user: User, password: string): Promise<void> {
    if (!(await this.passwords.verify(user.passwordHash, password))) throw new MoatError("wrong_password", "the account password is not right");
  }

  private async sendOrRefuse(user: User, purpose: PhoneCodePurpose, target: string, next: string | null = null): Promise<{ sentTo: string }> {
    if ((await this.codes.send(user.id, purpose, target, next)) === "rate_limited") throw limited();
    return { sentTo: target };
  }
}
