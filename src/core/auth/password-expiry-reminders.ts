// The maximum password age of a domain (issue 6, item 5; decision 0016), beyond the refusal in
// authenticate(): a reminder in the user's Inbox on each of the last five days before the main
// password expires ("Your password expires in 3 days"), a notice at once to accounts already
// past the age when an admin switches the age on or shortens it, and the days left for the
// banner at web login. The mail is written by the server and goes through the one mail flow
// as a system notice, From the domain's postmaster. The server's hourly upkeep runs it (app-phone.ts);
// the notices table keeps each account to one mail per days-left value, a day apart.
import { domainOf, type Address } from "../../mail/address.js";
import type { Domain, EpochMs, User } from "../accounts/types.js";
import { noticeMessage } from "../flow/notice.js";
import type { MailFlow } from "../flow/types.js";
import type { Clock } from "../ports/clock.js";
import type { PasswordNotice } from "../ports/phone.js";
import type { Store } from "../ports/store.js";
import { domainLoginSettingsSchema, readSettings, type DomainLoginSettings } from "./login-settings.js";

const day = 86_400_000;
/** Reminders go out on each of this many last days before expiry. */
export const reminderDays = 5;
/** Two notices to one account are at least this far apart ("at most one a day", whatever the job's timing). */
const minGapMs = 20 * 3_600_000;

type MaxAge = Pick<DomainLoginSettings, "passwordPolicy" | "passwordMaxAgeDays" | "passwordMaxAgeExempt">;
type Account = Pick<User, "address" | "passwordChangedAt" | "mustChangePassword">;

/** When the account's main password expires under the domain's policy; null when it never does. */
export function passwordExpiresAt(domain: MaxAge, user: Account): EpochMs | null {
  if (domain.passwordPolicy !== "on" || domain.passwordMaxAgeDays <= 0) return null;
  if (user.mustChangePassword || domain.passwordMaxAgeExempt.includes(user.address)) return null;
  return user.passwordChangedAt + domain.passwordMaxAgeDays * day;
}

/** Whole days left, rounded up: 3 on any moment of the third-last day; 0 or less once expired. */
export const daysLeft = (expiresAt: EpochMs, now: EpochMs): number => Math.ceil((expiresAt - now) / day);

/** The banner at web login: the days left when the password expires within the reminder window. */
export function passwordExpiresInDays(domain: MaxAge, user: Account, now: EpochMs): number | undefined {
  const expiresAt = passwordExpiresAt(domain, user);
  if (expiresAt === null) return undefined;
  const left = daysLeft(expiresAt, now);
  return left >= 1 && left <= reminderDays ? left : undefined;
}

export function reminderSubject(left: number): string {
  if (left <= 0) return "Your password has expired";
  return `Your password expires in ${left} ${left === 1 ? "day" : "days"}`;
}

/** The notice as an RFC 5322 message from the domain's postmaster. */
export function reminderMessage(user: Pick<User, "address">, left: number, expiresAt: EpochMs, now: EpochMs, hostname: string): Buffer {
  const when = new Date(expiresAt).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const lines =
    left <= 0
      ? [`The password of ${user.address} expired on ${when}.`, "", "Mail programs can no longer sign in with it. Sign in to webmail to choose a new one,", "or reset it with the phone bound to your account."]
      : [`The password of ${user.address} expires on ${when}.`, "", "Sign in to webmail and choose a new password before then: after that date", "mail programs can no longer sign in with the old one."];
  return noticeMessage({ fromDomain: domainOf(user.address as Address), to: user.address, subject: reminderSubject(left), lines, kind: "password-expiry" }, now, hostname);
}

export class PasswordExpiryReminders {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly flow: MailFlow,
    private readonly hostname: string,
  ) {}

  /** Every domain: the reminders due now and the notices of passwords already expired. Returns how many went out. */
  async run(): Promise<number> {
    let sent = 0;
    for (const domain of await this.store.domains.list()) sent += await this.runDomain(domain);
    return sent;
  }

  async runDomain(domain: Domain): Promise<number> {
    const settings = readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(domain.id));
    if (settings.passwordPolicy !== "on" || settings.passwordMaxAgeDays <= 0) return 0;
    const now = this.clock.now();
    let sent = 0;
    for (const user of await this.store.users.list(domain.id)) {
      const expiresAt = passwordExpiresAt(settings, user);
      if (user.status !== "active" || expiresAt === null) continue;
      const left = daysLeft(expiresAt, now);
      if (left > reminderDays) continue;
      if (await this.notify(user, { userId: user.id, expiresAt, daysLeft: Math.max(0, left), sentAt: now })) sent++;
    }
    return sent;
  }

  /**
   * After an admin changed a domain's settings: when the maximum age now applies where it did
   * not, or is shorter, accounts already past it (or near it) are told at once.
   */
  async settingsChanged(domain: Domain, before: MaxAge, after: MaxAge): Promise<number> {
    const age = (s: MaxAge) => (s.passwordPolicy === "on" && s.passwordMaxAgeDays > 0 ? s.passwordMaxAgeDays : Infinity);
    // Someone taken off the exempt list is under the age now, as if it had just been switched on.
    const unexempted = before.passwordMaxAgeExempt.some((a) => !after.passwordMaxAgeExempt.includes(a));
    if (age(after) === Infinity || (age(after) >= age(before) && !unexempted)) return 0;
    return this.runDomain(domain);
  }

  private async notify(user: User, notice: PasswordNotice): Promise<boolean> {
    if (!(await this.store.passwordNotices.claim(notice, minGapMs))) return false;
    const message = reminderMessage(user, notice.daysLeft, notice.expiresAt, notice.sentAt, this.hostname);
    const verdict = await this.flow
      .process({ kind: "system", purpose: "notice" }, { mailFrom: null, recipients: [user.address], smtpUtf8: false, body: "7BIT" }, message)
      .catch((err: unknown) => ({ kind: "tempfail" as const, text: String(err) }));
    if (verdict.kind === "accept") return true;
    await this.store.passwordNotices.release(notice);
    return false;
  }
}
