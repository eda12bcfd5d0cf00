// Access policies as authenticate() applies them (issue 6 item 4, decision 0015): named rules
// of a domain that allow or refuse logins by place (IP ranges, countries) on some or all
// channels, for every account, or for listed accounts and members of listed groups, with
// exceptions. Every enabled policy must allow a login.
//
// A policy for every account of the domain without exceptions decides nothing about any one
// account, so authenticate() applies it before the secret (no password oracle, a clear
// answer). Any other names accounts, and telling a refused name from an unknown one would
// confirm the account exists: it is applied after the secret and answered like a wrong password.
import type { Address } from "../../mail/address.js";
import { CidrSet } from "../../shared/ip.js";
import type { AccessPolicy, AccessPolicyRule } from "../ports/access-policies.js";
import type { GeoIp } from "../ports/geoip.js";
import type { Channel } from "./types.js";

/** Where a login comes from; the country is looked up only when a policy asks for it. */
export interface LoginPlace {
  readonly channel: Channel;
  readonly ip: string;
  country(): string | null;
}

export function loginPlace(channel: Channel, ip: string, geoip: GeoIp | undefined): LoginPlace {
  let country: string | null | undefined;
  return {
    channel,
    ip,
    country() {
      if (country === undefined) {
        const found = geoip?.lookup(ip);
        country = found?.kind === "public" ? found.country : null;
      }
      return country;
    },
  };
}

/** Who a login is for, once the account is known. `groups`: only read for policies that list groups. */
export interface PolicySubject {
  readonly address: Address;
  groups(): Promise<readonly Address[]>;
}

/** Applies to every name of the domain alike: decided before the secret. */
export const decidedBeforeSecret = (p: AccessPolicyRule): boolean => p.appliesTo === "all" && p.except.length === 0;

async function appliesTo(p: AccessPolicyRule, subject: PolicySubject): Promise<boolean> {
  if (p.except.includes(subject.address)) return false;
  if (p.appliesTo === "all" || p.users.includes(subject.address)) return true;
  if (p.groups.length === 0) return false;
  const groups = await subject.groups();
  return groups.some((g) => p.groups.includes(g));
}

/** Whether the place is one the policy lists: in one of its ranges, or in one of its countries. */
function listsPlace(p: AccessPolicyRule, place: LoginPlace): boolean {
  if (p.ips.length > 0 && CidrSet.parse(p.ips).has(place.ip)) return true;
  if (p.countries.length === 0) return false;
  const country = place.country();
  return country !== null && p.countries.includes(country);
}

/**
 * Whether the policy refuses a login from this place (its scope already checked). A channel
 * outside the policy's channels is not its business. A deny policy without places refuses the
 * channel wherever the login comes from. An address no database places (private, or unknown)
 * has no country: an allow-list by country refuses it unless a range admits it.
 */
export function refuses(p: AccessPolicyRule, place: LoginPlace): boolean {
  if (p.channels.length > 0 && !p.channels.includes(place.channel)) return false;
  const matches = p.ips.length + p.countries.length === 0 || listsPlace(p, place);
  return p.mode === "allow" ? !matches : matches;
}

/** Before the secret: the first of the policies for every account that refuses this place. */
export function refusedBeforeSecret(policies: readonly AccessPolicy[], place: LoginPlace): AccessPolicy | undefined {
  return policies.find((p) => decidedBeforeSecret(p) && refuses(p, place));
}

/** After the secret: the first of the other policies that applies to the account and refuses the place. */
export async function refusedForAccount(policies: readonly AccessPolicy[], account: PolicySubject, place: LoginPlace): Promise<AccessPolicy | undefined> {
  let groups: Promise<readonly Address[]> | undefined;
  const subject: PolicySubject = { address: account.address, groups: () => (groups ??= account.groups()) }; // one query per login at most
  for (const p of policies) {
    if (decidedBeforeSecret(p)) continue;
    if (refuses(p, place) && (await appliesTo(p, subject))) return p;
  }
  return undefined;
}

/** Every policy of the set, before or after the secret, that refuses this account at this place. */
export async function refusingPolicy(policies: readonly AccessPolicy[], subject: PolicySubject, place: LoginPlace): Promise<AccessPolicy | undefined> {
  return refusedBeforeSecret(policies, place) ?? (await refusedForAccount(policies, subject, place));
}
