// The checks of one account (issue 8 item 5): no second factor, IMAP/POP3/SMTP on but unused
// for 90 days (the guide says to turn them off), the main password accepted over those
// protocols, a password older than the domain's maximum age, client security passwords unused
// for 90 days, and automatic forwarding outside the company (the forward setting or the active
// Sieve script's redirects).
import type { EpochMs, User } from "../../accounts/types.js";
import type { EffectiveLoginRules } from "../../auth/login-rules.js";
import type { DomainLoginSettings } from "../../auth/login-settings.js";
import { clientProtocols, type ClientProtocol } from "../../auth/types.js";
import type { Company } from "../../flow/company.js";
import type { AccountFlowSettings } from "../../flow/flow-settings.js";
import { outsideCompany } from "../../flow/user-rules/forwarding-ban.js";
import type { AppPassword } from "../../ports/login-security.js";
import { compileSieve } from "../../sieve/index.js";
import { shellWord } from "../account-secure/abuse-report.js";
import type { CheckupFinding } from "./findings.js";

const day = 86_400_000;
export const unusedAfterMs = 90 * day;

/** What the checks read of one account, gathered by the caller (index.ts). */
export interface AccountFacts {
  readonly user: User;
  readonly now: EpochMs;
  readonly domain: DomainLoginSettings;
  readonly rules: EffectiveLoginRules;
  readonly twoFactor: { readonly enabled: boolean; readonly required: boolean };
  /** The newest successful login on each client protocol, if any. */
  readonly lastSuccess: Readonly<Record<ClientProtocol, EpochMs | null>>;
  readonly appPasswords: readonly AppPassword[];
  readonly flow: AccountFlowSettings;
  readonly activeScript: string | null;
  readonly company: Company;
}

export const fixByCheckup = (subject: string, id: string): string => `moat checkup ${subject} --fix ${shellWord(id)}`;

function twoFactorFinding(f: AccountFacts): CheckupFinding[] {
  if (f.twoFactor.enabled || f.twoFactor.required) return [];
  const id = `no-2fa:${f.user.address}`;
  return [{ id, kind: "no-2fa", severity: "high", subject: f.user.address, sentence: `${f.user.address} logs in without two-factor login and its domain does not require it`, fix: fixByCheckup(f.user.address, id) }];
}

function protocolFindings(f: AccountFacts): CheckupFinding[] {
  // A new account has not had 90 days to use its clients.
  if (f.now - f.user.createdAt < unusedAfterMs) return [];
  return clientProtocols
    .filter((p) => f.rules.protocols[p] && (f.lastSuccess[p] === null || f.now - f.lastSuccess[p]! > unusedAfterMs))
    .map((p) => ({
      id: `unused-protocol:${f.user.address}:${p}`,
      kind: "unused-protocol" as const,
      severity: "medium" as const,
      subject: f.user.address,
      sentence: `${p.toUpperCase()} is on for ${f.user.address} but ${f.lastSuccess[p] === null ? "has never been used" : "has not been used for 90 days"}; a password thief can still use it`,
      fix: `moat user set ${f.user.address} --${p} off`,
    }));
}

function mainPasswordFinding(f: AccountFacts): CheckupFinding[] {
  if (f.rules.securityPassword.required || !clientProtocols.some((p) => f.rules.protocols[p])) return [];
  return [{
    id: `main-password-protocols:${f.user.address}`,
    kind: "main-password-protocols",
    severity: "medium",
    subject: f.user.address,
    sentence: `${f.user.address} may log in over IMAP/POP3/SMTP with the main password (no second factor there); client security passwords could be required`,
    fix: `moat user set ${f.user.address} --security-password-required on`,
  }];
}

function passwordAgeFinding(f: AccountFacts): CheckupFinding[] {
  const maxDays = f.domain.passwordMaxAgeDays;
  if (maxDays === 0 || f.domain.passwordMaxAgeExempt.includes(f.user.address) || f.now - f.user.passwordChangedAt <= maxDays * day) return [];
  const id = `password-age:${f.user.address}`;
  const age = Math.floor((f.now - f.user.passwordChangedAt) / day);
  return [{ id, kind: "password-age", severity: "high", subject: f.user.address, sentence: `${f.user.address}'s password is ${age} days old, older than the policy's ${maxDays}`, fix: fixByCheckup(f.user.address, id) }];
}

function staleAppPasswordFindings(f: AccountFacts): CheckupFinding[] {
  return f.appPasswords
    .filter((p) => f.now - (p.lastUsedAt ?? p.createdAt) > unusedAfterMs)
    .map((p) => ({
      id: `stale-app-password:${f.user.address}:${p.name}`,
      kind: "stale-app-password" as const,
      severity: "low" as const,
      subject: f.user.address,
      sentence: `client security password "${p.name}" of ${f.user.address} ${p.lastUsedAt === null ? "has never been used" : "has not been used for 90 days"}`,
      fix: `moat apppass remove ${f.user.address} ${shellWord(p.name)}`,
    }));
}

function forwardFindings(f: AccountFacts): CheckupFinding[] {
  const out: CheckupFinding[] = [];
  const outside = f.flow.forwardTo.filter((t) => outsideCompany(f.company, f.user.address, t));
  if (outside.length > 0) {
    out.push({ id: `forward-outside:${f.user.address}`, kind: "forward-outside", severity: "high", subject: f.user.address, sentence: `${f.user.address} forwards every message outside the company to ${outside.join(", ")}`, fix: `moat user set ${f.user.address} --forward none` });
  }
  const compiled = f.activeScript === null ? null : compileSieve(f.activeScript);
  const redirects = compiled?.ok ? compiled.script.redirectTargets.filter((t) => outsideCompany(f.company, f.user.address, t)) : [];
  if (redirects.length > 0) {
    out.push({ id: `sieve-forward-outside:${f.user.address}`, kind: "sieve-forward-outside", severity: "high", subject: f.user.address, sentence: `${f.user.address}'s Sieve script redirects mail outside the company to ${redirects.join(", ")}`, fix: `moat sieve deactivate ${f.user.address}` });
  }
  return out;
}

export function accountFindings(f: AccountFacts): CheckupFinding[] {
  return [...twoFactorFinding(f), ...protocolFindings(f), ...mainPasswordFinding(f), ...passwordAgeFinding(f), ...staleAppPasswordFindings(f), ...forwardFindings(f)];
}
