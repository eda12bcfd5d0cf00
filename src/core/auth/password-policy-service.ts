// Applies a domain's password policy when a password is set (AccountHooks.checkPassword): the
// checks of password-policy.ts, plus "not one of the last five", which needs the stored hashes
// (one argon2 verify each, at set time only). All reasons are reported at once.
import { MoatError } from "../../shared/errors.js";
import type { PasswordSubject } from "../accounts/service.js";
import type { Store } from "../ports/store.js";
import { domainLoginSettingsSchema, readSettings } from "./login-settings.js";
import type { PasswordHasher } from "./passwords.js";

/** The current password and the four before it. */
const reuseWindow = 5;

export class PasswordPolicyService {
  constructor(
    private readonly store: Store,
    private readonly passwords: PasswordHasher,
  ) {}

  async check(subject: PasswordSubject, password: string): Promise<void> {
    const domain = readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(subject.domainId));
    if (domain.passwordPolicy === "off") return;
    const policy = { minLength: domain.passwordMinLength, classes: domain.passwordClasses, minScore: domain.passwordMinScore, keywords: domain.passwordKeywords };
    // Loaded on first use: zxcvbn's dictionaries take ~80 ms to load, which every `moat`
    // command would pay at start otherwise.
    const { passwordProblems } = await import("./password-policy.js");
    const problems = passwordProblems(password, policy, subject);
    if (subject.user !== null && (await this.reused(subject.user, password))) problems.push(`it is one of the last ${reuseWindow} passwords of the account`);
    if (problems.length > 0) throw new MoatError("invalid_password", `the password is not acceptable: ${problems.join("; ")}`, { details: problems });
  }

  private async reused(user: NonNullable<PasswordSubject["user"]>, password: string): Promise<boolean> {
    const hashes = [user.passwordHash, ...(await this.store.passwordHistory.recent(user.id, reuseWindow - 1))];
    for (const hash of hashes) if (await this.passwords.verify(hash, password)) return true;
    return false;
  }
}
