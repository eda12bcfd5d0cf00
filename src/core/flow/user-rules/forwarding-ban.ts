// The forwarding ban (issue 7 item 6): automatic forwarding — a Sieve redirect or the plain
// forward setting — to an address outside the company is refused where the account or its
// domain turned auto-forwarding off. Asked at save time (the script or setting is refused)
// and again at delivery (the setting may have changed since), with the same answer.
import { domainOf, parseAddress, type Address } from "../../../mail/address.js";
import type { EpochMs, User } from "../../accounts/types.js";
import type { Store } from "../../ports/store.js";
import type { ForwardingAttempt, ForwardOutcome, ForwardPhase, ForwardVia } from "../../ports/user-rules.js";
import type { Company } from "../company.js";
import { accountFlowSettingsSchema, domainFlowSettingsSchema, readFlowSettings, type AccountFlowSettings } from "../flow-settings.js";

/** Exchange's wording for the same refusal (NDR 5.7.520), so admins and users recognise it. */
export const forwardingRefusedStatus = "550 5.7.520 Access denied, your organization does not allow external forwarding. Please contact your administrator for further assistance.";

/** A target that cannot be read as an address is outside: the ban never lets an unknown through. */
export function outsideCompany(company: Company, account: Address, target: string): boolean {
  const parsed = parseAddress(target);
  return !parsed.ok || !company.same(domainOf(account), domainOf(parsed.value));
}

/**
 * Whether the account may forward outside the company: on unless the account's own setting
 * or its domain's turns it off. An internal-only account (stage 2) may not either: a forward
 * is mail leaving the company. `own`: the account's settings when already read.
 */
export async function autoForwardOn(store: Pick<Store, "flowSettings">, user: User, own?: AccountFlowSettings): Promise<boolean> {
  const account = own ?? readFlowSettings(accountFlowSettingsSchema, await store.flowSettings.getUser(user.id));
  if (account.autoForward === false || account.internalOnly === true) return false;
  const domain = readFlowSettings(domainFlowSettingsSchema, await store.flowSettings.getDomain(user.domainId));
  return domain.autoForward && (account.internalOnly ?? domain.internalOnly) !== true;
}

export function attemptOf(
  user: User,
  target: string,
  facts: { at: EpochMs; via: ForwardVia; phase: ForwardPhase; outcome: ForwardOutcome; rule: string; messageId?: string | null },
): ForwardingAttempt {
  return { account: user.address, domain: domainOf(user.address), target, at: facts.at, via: facts.via, phase: facts.phase, outcome: facts.outcome, rule: facts.rule, messageId: facts.messageId ?? null };
}

/** The sentence of a refusal, for the user (CLI, NDR) and the log. */
export function refusalText(user: User, targets: readonly string[]): string {
  return `forwarding to ${targets.join(", ")} refused: automatic forwarding outside the company is disabled for ${user.address}`;
}
