// What the bound phone (issue 6, item 6) and the password-expiry reminders (item 5) need from
// persistence: the verified number of an account, the one-time codes sent to it, and which
// reminder each account was last sent.
import type { EpochMs } from "../accounts/types.js";
import type { PhoneCodePurpose } from "../auth/types.js";

export interface BoundPhone {
  readonly userId: number;
  /** E.164. */
  readonly number: string;
  readonly verifiedAt: EpochMs;
}

export interface StoredPhoneCode {
  readonly id: number;
  readonly userId: number;
  readonly purpose: PhoneCodePurpose;
  /** The number the code went to. */
  readonly target: string;
  /** A changing number: the new number, to which a bind code goes once the old one answered. */
  readonly nextNumber: string | null;
  /** "salt:hmac" hex; the code itself is never stored. */
  readonly hash: string;
  readonly createdAt: EpochMs;
  readonly expiresAt: EpochMs;
  readonly attempts: number;
  /** Set when the code verified, or when it was voided (too many attempts, a newer code). */
  readonly usedAt: EpochMs | null;
}

export interface PhoneRepository {
  get(userId: number): Promise<BoundPhone | undefined>;
  /** Binds or replaces the account's number. */
  put(phone: BoundPhone): Promise<void>;
  /** The removed binding, if there was one. */
  remove(userId: number): Promise<BoundPhone | undefined>;

  addCode(code: Omit<StoredPhoneCode, "id" | "attempts" | "usedAt">): Promise<StoredPhoneCode>;
  /** The newest code of this account and purpose that is neither used nor expired. */
  liveCode(userId: number, purpose: PhoneCodePurpose, now: EpochMs): Promise<StoredPhoneCode | undefined>;
  /** Counts one wrong attempt; voids the code (usedAt) when it reaches maxAttempts. Returns the attempts now. */
  countWrongAttempt(id: number, maxAttempts: number, now: EpochMs): Promise<number>;
  /** Marks the code used if it still is not: true only for the one caller that did (single use). */
  consume(id: number, now: EpochMs): Promise<boolean>;
  /** Voids every live code of this account and purpose but `keepId` (a newer one replaces them). */
  voidCodes(userId: number, purpose: PhoneCodePurpose, now: EpochMs): Promise<void>;
  /**
   * Counts one send for a limit key (an account or a number) in its fixed window, atomically
   * (one upsert, so racing requests on any node each get their own count): the window starts
   * again at `now` once it is `windowMs` old. Returns the count in the window, this send included.
   */
  countSend(key: string, now: EpochMs, windowMs: number): Promise<number>;
  /** Deletes codes created, and send windows started, before the cut-off; returns how many codes. */
  pruneCodes(olderThan: EpochMs): Promise<number>;
}

/** The last password-expiry notice of an account: at most one per days-left value per expiry. */
export interface PasswordNotice {
  readonly userId: number;
  /** When the password the notice was about expires(d). */
  readonly expiresAt: EpochMs;
  /** 5..1 for a reminder, 0 for "has expired". */
  readonly daysLeft: number;
  readonly sentAt: EpochMs;
}

export interface PasswordNoticeRepository {
  /**
   * Claims the notice: records it unless this account's last notice was for the same expiry
   * and the same (or a smaller) count of days, or was sent less than `minGapMs` ago. True
   * only for the one caller that claimed it (several nodes may run the job).
   */
  claim(notice: PasswordNotice, minGapMs: number): Promise<boolean>;
  /** Undoes a claim whose mail could not be delivered, so the next run tries again. */
  release(notice: PasswordNotice): Promise<void>;
  get(userId: number): Promise<PasswordNotice | undefined>;
}
