// The dry run of an admin rule: what it would have done to the last N messages delivered to
// the domain's accounts, before an admin switches it on. The facts come from the stored
// message: the From header (the envelope sender is not kept), the account that has it and
// the To/Cc, the verdicts of the Authentication-Results header we wrote, and the direction
// (mail that passed our MX checks came from outside; other mail from inside the company or not).
import { domainOf, type Address } from "../../../mail/address.js";
import type { Domain, EpochMs } from "../../accounts/types.js";
import type { MailStore } from "../../mailstore/service.js";
import type { Store } from "../../ports/store.js";
import type { Company } from "../company.js";
import { ownAuthResults } from "./auth-results.js";
import { compileRules, describeActions, RuleMemo, runRules } from "./evaluate.js";
import { MessageFacts } from "./facts.js";
import type { AdminRule } from "./schema.js";

export interface DryRunRow {
  readonly date: EpochMs;
  readonly from: string;
  readonly subject: string;
  /** One account of the domain that has the message. */
  readonly recipient: string;
  readonly matched: boolean;
  /** What the rule would have done, in words; "" when it did not match. */
  readonly would: string;
}

export interface DryRunDeps {
  readonly store: Pick<Store, "messages">;
  readonly mailstore: Pick<MailStore, "read">;
  readonly hostname: string;
  readonly company: Company;
}

export const maxDryRun = 1000;

export async function dryRun(deps: DryRunDeps, domain: Domain, rule: AdminRule, spamHeader: string | null, last: number): Promise<DryRunRow[]> {
  const limit = Math.min(Math.max(1, Math.floor(last)), maxDryRun);
  const compiled = compileRules([{ ...rule, enabled: true }]);
  const rows: DryRunRow[] = [];
  for (const found of await deps.store.messages.recentInDomain(domain.id, limit)) {
    const [raw, body] = await Promise.all([deps.mailstore.read(found.bodyHash), deps.store.messages.getBody(found.bodyHash)]);
    if (!raw || !body) continue;
    const auth = ownAuthResults(raw, deps.hostname);
    const facts = new MessageFacts({ message: raw, index: body.index, bodyText: () => body.index.bodyText, mailFrom: null, recipients: [found.recipient], auth, trustSpamHeader: auth !== null });
    const from = facts.text("from")[0] ?? "";
    const inside = auth === null && from !== "" && deps.company.same(domainOf(from as Address), domain.name);
    const outcome = runRules(facts, [{ domain: domain.name, rules: compiled, env: { direction: inside ? "internal" : "inbound", spamHeader } }], new RuleMemo());
    const matched = outcome.hits.length > 0;
    rows.push({ date: found.internalDate, from, subject: body.index.subject, recipient: found.recipient, matched, would: matched ? describeActions(rule.actions) : "" });
  }
  return rows;
}
