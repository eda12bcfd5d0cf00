// A domain may require two-factor login of all its accounts, of listed ones, or of the members
// of listed mail groups, with a grace period to enrol. The period counts from when the
// requirement first applied to the account (kept per account, set when an admin turns it on
// and, for accounts that come under it later, e.g. by joining a group, at their next login);
// after it, a web or API login without a second factor gets a session that may only enrol one.
import type { Address } from "../../../mail/address.js";
import type { EpochMs, User } from "../../accounts/types.js";
import type { Store } from "../../ports/store.js";
import type { DomainLoginSettings } from "../login-settings.js";

const day = 86_400_000;

export function twoFactorRequired(domain: DomainLoginSettings, address: Address, groups: readonly Address[]): boolean {
  if (domain.twoFactorRequired === "all") return true;
  return domain.twoFactorRequired === "listed" && (domain.twoFactorAccounts.includes(address) || groups.some((g) => domain.twoFactorGroups.includes(g)));
}

export const requirementNeedsGroups = (domain: DomainLoginSettings): boolean => domain.twoFactorRequired === "listed" && domain.twoFactorGroups.length > 0;

export interface Requirement {
  readonly required: boolean;
  /** When the grace period ends; null when nothing is required. */
  readonly enrolBy: EpochMs | null;
}

/**
 * Whether the requirement applies to the account now and until when it may log in without a
 * second factor; starts (or forgets) the account's grace period as the requirement applies
 * (or stops applying).
 */
export async function requirementFor(store: Pick<Store, "twoFactor" | "loginSettings">, domain: DomainLoginSettings, user: User, now: EpochMs): Promise<Requirement> {
  const since = (await store.twoFactor.account(user.id))?.requiredSince ?? null;
  const groups = requirementNeedsGroups(domain) ? await store.loginSettings.groupsOfUser(user.id) : [];
  if (!twoFactorRequired(domain, user.address, groups)) {
    if (since !== null) await store.twoFactor.setRequiredSince(user.id, null, now);
    return { required: false, enrolBy: null };
  }
  if (since === null) await store.twoFactor.setRequiredSince(user.id, now, now);
  return { required: true, enrolBy: (since ?? now) + domain.twoFactorGraceDays * day };
}
