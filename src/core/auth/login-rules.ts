// "The effective rule is the stricter one", computed here and nowhere else: a domain setting
// and an account's own setting combine so that either can close a door and neither can open
// one the other closed. authenticate() asks the gates; admin commands show effectiveRules().
import type { Address } from "../../mail/address.js";
import { CidrSet } from "../../shared/ip.js";
import type { AccountLoginSettings, DomainLoginSettings } from "./login-settings.js";
import { channels, clientProtocols, isClientProtocol, type Channel, type ClientProtocol } from "./types.js";

export type GateDenial = "protocol_disabled" | "channel_not_allowed";

/**
 * Step 4, the part that needs no account: the domain's client-kind list and its third-party
 * client switch. `name` is the canonical address the client gave (exemptions are by name, so
 * this reveals nothing about whether the account exists).
 */
export function domainGate(domain: DomainLoginSettings, name: string, channel: Channel, ip: string): GateDenial | null {
  if (!domain.channels.includes(channel)) return "channel_not_allowed";
  if (isClientProtocol(channel) && !thirdPartyAllowed(domain, name, ip)) return "protocol_disabled";
  return null;
}

function thirdPartyAllowed(domain: DomainLoginSettings, name: string, ip: string): boolean {
  return domain.thirdPartyClients || domain.thirdPartyExemptAccounts.includes(name) || CidrSet.parse(domain.thirdPartyExemptIps).has(ip);
}

/** Step 4, the account's own part: its client-kind list and its IMAP/POP3/SMTP switches. */
export function accountGate(account: AccountLoginSettings, channel: Channel): GateDenial | null {
  if (!account.channels.includes(channel)) return "channel_not_allowed";
  if (isClientProtocol(channel) && !account[channel]) return "protocol_disabled";
  return null;
}

export interface SecurityPasswordRule {
  readonly required: boolean;
  /** Forced by the domain: the account cannot turn it off while this holds. */
  readonly forcedByDomain: boolean;
}

/** `groups`: the addresses of the account's mail groups (only read for "listed"). */
export function securityPasswordRule(domain: DomainLoginSettings, account: AccountLoginSettings, address: Address, groups: readonly Address[]): SecurityPasswordRule {
  const listed =
    domain.securityPasswords === "listed" &&
    (domain.securityPasswordAccounts.includes(address) || groups.some((g) => domain.securityPasswordGroups.includes(g)));
  const forcedByDomain = (domain.securityPasswords === "all" || listed) && !domain.securityPasswordExcept.includes(address);
  return { required: forcedByDomain || account.securityPasswordRequired, forcedByDomain };
}

/** Whether the domain's forcing rule needs the account's groups at all (saves a query per login). */
export const needsGroups = (domain: DomainLoginSettings): boolean =>
  domain.securityPasswords === "listed" && domain.securityPasswordGroups.length > 0;

export interface EffectiveLoginRules {
  /** Channels the account may log in on from an address outside the domain's exempt ranges. */
  readonly channels: readonly Channel[];
  readonly protocols: Readonly<Record<ClientProtocol, boolean>>;
  readonly securityPassword: SecurityPasswordRule;
  /** 0: client security passwords never expire. */
  readonly appPasswordExpiryDays: number;
}

/** The rules as they apply to the account, for admins to read (authenticate() uses the gates). */
export function effectiveRules(domain: DomainLoginSettings, account: AccountLoginSettings, address: Address, groups: readonly Address[]): EffectiveLoginRules {
  const open = (c: Channel) => domainGate(domain, address, c, "") === null && accountGate(account, c) === null;
  const protocols = Object.fromEntries(clientProtocols.map((p) => [p, open(p)])) as Record<ClientProtocol, boolean>;
  return {
    channels: channels.filter(open),
    protocols,
    securityPassword: securityPasswordRule(domain, account, address, groups),
    appPasswordExpiryDays: domain.appPasswordExpiryDays,
  };
}
