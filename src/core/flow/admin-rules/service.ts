// Managing a domain's admin filter rules (issue 7 item 5) for every admin surface: add,
// remove, move, enable and disable, each through FlowSettingsService.updateDomain (validated
// and recorded in the admin audit log), and the dry run against the domain's recent mail.
import { MoatError } from "../../../shared/errors.js";
import type { DomainName } from "../../../mail/address.js";
import type { MailStore } from "../../mailstore/service.js";
import type { Store } from "../../ports/store.js";
import type { Actor } from "../../security/audit.js";
import { readCompany } from "../company.js";
import type { FlowSettingsService } from "../flow-settings-service.js";
import { dryRun, type DryRunRow } from "./dry-run.js";
import { adminRuleSchema, maxRules, type AdminRule, type RuleAction, type RuleCondition } from "./schema.js";
import { validated } from "../../settings.js";

export interface NewRule {
  readonly name: string;
  readonly conditions: readonly RuleCondition[];
  readonly actions: readonly RuleAction[];
  readonly match?: "all" | "any";
  readonly enabled?: boolean;
  readonly comment?: string;
  /** 1-based place in the order; absent: last. */
  readonly position?: number;
}

export class AdminRulesService {
  constructor(
    private readonly settings: FlowSettingsService,
    private readonly store: Store,
    private readonly mailstore: MailStore,
    private readonly hostname: string,
  ) {}

  async list(domain: string): Promise<readonly AdminRule[]> {
    return (await this.settings.forDomain(domain)).rules;
  }

  async get(domain: string, name: string): Promise<AdminRule> {
    const rule = (await this.list(domain)).find((r) => r.name === name);
    if (!rule) throw new MoatError("invalid_input", `no rule named ${name} in ${domain}`);
    return rule;
  }

  /** The trusted spam-score header of the domain (null: none). */
  async spamHeader(domain: string): Promise<string | null> {
    return (await this.settings.forDomain(domain)).spamScoreHeader;
  }

  async add(domain: string, input: NewRule, actor: Actor): Promise<AdminRule> {
    const current = await this.list(domain);
    if (current.some((r) => r.name === input.name)) throw new MoatError("invalid_input", `a rule named ${input.name} exists in ${domain}`);
    if (current.length >= maxRules) throw new MoatError("invalid_input", `${domain} has ${maxRules} rules, the most allowed`);
    const rule = validated(() =>
      adminRuleSchema.parse({ name: input.name, enabled: input.enabled ?? true, match: input.match ?? "all", conditions: input.conditions, actions: input.actions, comment: input.comment ?? "" }),
    );
    const at = this.place(input.position, current.length + 1);
    await this.settings.updateDomain(domain, { rules: [...current.slice(0, at), rule, ...current.slice(at)] }, actor);
    return rule;
  }

  async remove(domain: string, name: string, actor: Actor): Promise<void> {
    await this.get(domain, name);
    await this.settings.updateDomain(domain, { rules: (await this.list(domain)).filter((r) => r.name !== name) }, actor);
  }

  async move(domain: string, name: string, position: number, actor: Actor): Promise<readonly AdminRule[]> {
    const current = await this.list(domain);
    const rule = await this.get(domain, name);
    const others = current.filter((r) => r !== rule);
    const at = this.place(position, current.length);
    return (await this.settings.updateDomain(domain, { rules: [...others.slice(0, at), rule, ...others.slice(at)] }, actor)).rules;
  }

  async setEnabled(domain: string, name: string, enabled: boolean, actor: Actor): Promise<AdminRule> {
    await this.get(domain, name);
    const rules = (await this.list(domain)).map((r) => (r.name === name ? { ...r, enabled } : r));
    await this.settings.updateDomain(domain, { rules }, actor);
    return { ...(await this.get(domain, name)) };
  }

  async setSpamHeader(domain: string, header: string | null, actor: Actor): Promise<string | null> {
    return (await this.settings.updateDomain(domain, { spamScoreHeader: header }, actor)).spamScoreHeader;
  }

  /** What the rule (enabled or not) would have done to the domain's last `last` messages, newest first. */
  async dryRun(domainName: string, name: string, last: number): Promise<DryRunRow[]> {
    const settings = await this.settings.forDomain(domainName);
    const rule = await this.get(domainName, name);
    const domain = await this.store.domains.findByName(domainName.toLowerCase() as DomainName);
    if (!domain) throw new MoatError("invalid_input", `no domain ${domainName}`);
    return dryRun({ store: this.store, mailstore: this.mailstore, hostname: this.hostname, company: await readCompany(this.store) }, domain, rule, settings.spamScoreHeader, last);
  }

  /** A 1-based position as an index from 0 to `count - 1`. */
  private place(position: number | undefined, count: number): number {
    if (position === undefined) return count - 1;
    if (!Number.isSafeInteger(position) || position < 1 || position > count) throw new MoatError("invalid_input", `--position must be from 1 to ${count}`);
    return position - 1;
  }
}
