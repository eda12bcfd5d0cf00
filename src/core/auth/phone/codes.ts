// One-time codes for the bound phone (issue 6, item 6; decision 0016): six digits from the
// system's CSPRNG, good for ten minutes, for one purpose, once; five wrong tries void a code;
// a newer code of the same purpose voids the older one. Only a salted HMAC of the code is
// stored. Sending is limited per account and per number ([sms] settings), which with the
// attempt limit caps guessing at a few dozen tries an hour out of a million.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../ports/clock.js";
import type { StoredPhoneCode } from "../../ports/phone.js";
import type { SmsSender } from "../../ports/sms.js";
import type { Store } from "../../ports/store.js";
import type { PhoneCodePurpose } from "../types.js";

export const codeLifetimeMs = 10 * 60_000;
export const maxCodeAttempts = 5;
const hour = 3_600_000;
/** Codes (used, void or expired) are kept this long after creation, for an admin looking into a complaint. */
const codeRetentionMs = 24 * hour;

export interface PhoneCodeLimits {
  readonly perAccountPerHour: number;
  readonly perNumberPerHour: number;
}

export const defaultPhoneCodeLimits: PhoneCodeLimits = { perAccountPerHour: 5, perNumberPerHour: 5 };

const purposeText: Record<PhoneCodePurpose, string> = {
  bind: "to confirm this phone for your mail account",
  rebind_old: "to move your mail account to a new phone number",
  password_reset: "to reset your mail password",
  second_factor: "to sign in to your mail",
};

export function codeMessage(code: string, purpose: PhoneCodePurpose): string {
  return `Your code ${purposeText[purpose]} is ${code}. It expires in ${codeLifetimeMs / 60_000} minutes. Never give it to anyone.`;
}

function digest(salt: Buffer, code: StoredPhoneCode | { userId: number; purpose: PhoneCodePurpose }, digits: string): Buffer {
  return createHmac("sha256", salt).update(`${code.userId}:${code.purpose}:${digits}`).digest();
}

function matches(code: StoredPhoneCode, digits: string): boolean {
  const [salt = "", mac = ""] = code.hash.split(":");
  const expected = Buffer.from(mac, "hex");
  const actual = digest(Buffer.from(salt, "hex"), code, digits);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export type SendOutcome = "sent" | "rate_limited";

export class PhoneCodes {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sender: SmsSender,
    private readonly limits: PhoneCodeLimits = defaultPhoneCodeLimits,
  ) {}

  /**
   * Makes a code and sends it to `target`. The code is stored before it is sent (a code that
   * arrives always verifies); when the sender fails it is voided and the MoatError
   * (sms_failed) goes to the caller. `nextNumber`: for rebind_old, the number to bind next.
   */
  async send(userId: number, purpose: PhoneCodePurpose, target: string, nextNumber: string | null = null): Promise<SendOutcome> {
    const now = this.clock.now();
    const phones = this.store.phones;
    // One atomic count per key: of requests racing on any node, only the first ones up to the
    // limit pass. An account over its limit does not count against the number.
    if ((await phones.countSend(`user:${userId}`, now, hour)) > this.limits.perAccountPerHour) return "rate_limited";
    if ((await phones.countSend(`number:${target}`, now, hour)) > this.limits.perNumberPerHour) return "rate_limited";
    const digits = randomInt(0, 1_000_000).toString().padStart(6, "0");
    const salt = randomBytes(16);
    const hash = `${salt.toString("hex")}:${digest(salt, { userId, purpose }, digits).toString("hex")}`;
    const stored = await this.store.transaction(async (tx) => {
      await tx.phones.voidCodes(userId, purpose, now);
      return tx.phones.addCode({ userId, purpose, target, nextNumber, hash, createdAt: now, expiresAt: now + codeLifetimeMs });
    });
    try {
      await this.sender.send({ to: target, text: codeMessage(digits, purpose), purpose });
    } catch (err) {
      await phones.consume(stored.id, now);
      throw err;
    }
    return "sent";
  }

  /**
   * The live code of this account and purpose when `digits` is it; a wrong answer counts
   * against the code. `consume` false only checks (the caller consumes once the rest of its
   * request is known to be good, e.g. a new password that passes the policy).
   */
  async check(userId: number, purpose: PhoneCodePurpose, digits: string, opts: { consume: boolean }): Promise<StoredPhoneCode | undefined> {
    const now = this.clock.now();
    const live = await this.store.phones.liveCode(userId, purpose, now);
    if (!live) return undefined;
    const typed = digits.replace(/\s/g, "");
    if (!/^\d{6}$/.test(typed) || !matches(live, typed)) {
      await this.store.phones.countWrongAttempt(live.id, maxCodeAttempts, now);
      return undefined;
    }
    if (opts.consume && !(await this.consume(live))) return undefined;
    return live;
  }

  /** Uses the code up; false when another request used it first. */
  consume(code: StoredPhoneCode): Promise<boolean> {
    return this.store.phones.consume(code.id, this.clock.now());
  }

  /** Forgets codes a day old and finished send windows; run with the periodic upkeep. */
  prune(): Promise<number> {
    return this.store.phones.pruneCodes(this.clock.now() - codeRetentionMs);
  }
}
