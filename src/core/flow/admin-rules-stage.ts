// Stage 5, admin filter rules (issue 7 item 5). A domain's rules apply to its own recipients'
// copies (mail from outside and from inside the company) and, when the sender is one of its
// accounts, to every copy of what it sends; each copy meets each domain's rules once, the
// recipient domain's first. The engine (admin-rules/evaluate.ts) decides per copy; this stage
// edits the plan, keeps quarantined mail for the admins, and queues bounce notices for after
// the commit. Mail the server writes (notices, bounces) is never filtered.
import { domainOf, type Address, type DomainName } from "../../mail/address.js";
import type { User } from "../accounts/types.js";
import { compileRules, describeActions, RuleMemo, runRules, type CopyOutcome, type RuleScope } from "./admin-rules/evaluate.js";
import { MessageFacts } from "./admin-rules/facts.js";
import type { Direction } from "./admin-rules/values.js";
import { junk, type DeliveryPlan, type LocalCopy, type RemoteCopy } from "./copies.js";
import type { DomainFlowSettings } from "./flow-settings.js";
import type { StageContext, StageTools } from "./stage.js";
import type { TraceEntry } from "./trace.js";

interface DomainRules {
  readonly id: number;
  readonly name: string;
  readonly settings: DomainFlowSettings;
}

type Copy = { readonly local: LocalCopy } | { readonly remote: RemoteCopy };
const addressOf = (c: Copy): Address => ("local" in c ? c.local.user.address : c.remote.address);

export async function adminRulesStage(ctx: StageContext, plan: DeliveryPlan, tools: StageTools): Promise<void> {
  if (ctx.origin.kind === "system") return;
  const { store } = tools;
  const domains = new Map<number, DomainRules | null>();
  const rulesOf = async (id: number, name: string): Promise<DomainRules | null> => {
    if (!domains.has(id)) {
      const settings = ctx.company.settingsOf(id);
      domains.set(id, settings.rules.some((r) => r.enabled) ? { id, name, settings } : null);
    }
    return domains.get(id)!;
  };
  const senderDomainName = ctx.origin.kind === "submission" ? domainOf(ctx.origin.user) : null;
  const senderDomain = senderDomainName === null ? undefined : await store.domains.findByName(senderDomainName);
  const sender = senderDomain ? await rulesOf(senderDomain.id, senderDomain.name) : null;
  for (const copy of plan.local) await rulesOf(copy.user.domainId, domainOf(copy.user.address));
  if (sender === null && [...domains.values()].every((d) => d === null)) return;

  const facts = new MessageFacts({
    message: ctx.message,
    index: ctx.body.index,
    bodyText: () => ctx.body.index.bodyText,
    mailFrom: ctx.envelope.mailFrom,
    recipients: ctx.envelope.recipients,
    auth: ctx.auth,
    trustSpamHeader: ctx.origin.kind === "mx",
  });
  const scope = (rules: DomainRules, direction: Direction): RuleScope => ({
    domain: rules.name,
    rules: compileRules(rules.settings.rules),
    env: { direction, spamHeader: rules.settings.spamScoreHeader },
  });
  /** A local copy: internal when both ends are one company, else inbound for its domain and outbound for the sender's. */
  const scopesOf = (copy: Copy): RuleScope[] => {
    const out: RuleScope[] = [];
    if ("local" in copy) {
      const own = domains.get(copy.local.user.domainId) ?? null;
      const recipientDomain = domainOf(copy.local.user.address);
      const internal = senderDomainName !== null && ctx.company.same(senderDomainName, recipientDomain);
      if (own) out.push(scope(own, internal ? "internal" : "inbound"));
      if (sender && sender.id !== copy.local.user.domainId) out.push(scope(sender, internal ? "internal" : "outbound"));
    } else if (sender) {
      out.push(scope(sender, "outbound"));
    }
    return out;
  };

  const memo = new RuleMemo();
  const outcomes = new Map<Copy, CopyOutcome>();
  for (const copy of [...plan.local.map((local) => ({ local })), ...plan.remote.map((remote) => ({ remote }))]) {
    const scopes = scopesOf(copy);
    if (scopes.length === 0) continue;
    const outcome = runRules(facts, scopes, memo);
    if (outcome.hits.length === 0) continue;
    outcomes.set(copy, outcome);
    if ("local" in copy) {
      if (outcome.junk) copy.local.placements = [junk];
      copy.local.edits.push(...outcome.edits);
    } else {
      copy.remote.edits.push(...outcome.edits);
    }
  }
  if (outcomes.size === 0) return;
  const removed = new Set([...outcomes].filter(([, o]) => o.removal !== null).map(([c]) => ("local" in c ? c.local : c.remote)));
  plan.local = plan.local.filter((c) => !removed.has(c));
  plan.remote = plan.remote.filter((c) => !removed.has(c));
  const held = await quarantine(ctx, plan, tools, outcomes);
  traceHits(ctx, outcomes, held?.id ?? null);
  queueBounces(ctx, plan, tools, outcomes);
}

/**
 * One hold for every quarantined copy (a message has one quarantine id, <queue id>.Q1), for the
 * rules' domains' admins, who are told after the commit; the operator may release any.
 */
async function quarantine(ctx: StageContext, plan: DeliveryPlan, tools: StageTools, outcomes: Map<Copy, CopyOutcome>) {
  const quarantined = [...outcomes].filter(([, o]) => o.removal?.kind === "quarantine");
  if (quarantined.length === 0) return null;
  const rules = [...new Set(quarantined.map(([, o]) => `rule ${o.removal!.rule.name} of ${o.removal!.domain}`))];
  const deciders = new Set<Address>();
  for (const domainName of new Set(quarantined.map(([, o]) => o.removal!.domain))) for (const admin of await adminsOf(tools, domainName)) deciders.add(admin);
  const held = await tools.hold(ctx, { kind: "quarantine", recipients: quarantined.map(([c]) => addressOf(c)), rule: rules.join("; "), deciders: [...deciders] });
  for (const admin of held.deciders) {
    plan.after.push(async () => {
      await tools.notice({
        fromDomain: domainOf(admin),
        to: admin,
        subject: `Quarantined: ${held.subject || "(no subject)"}`,
        kind: "quarantine",
        lines: [
          `A message was quarantined by ${held.rule}.`,
          "",
          `From:    ${held.mailFrom ?? "<>"}`,
          `To:      ${held.recipients.join(", ")}`,
          `Subject: ${held.subject}`,
          "",
          `Release it with: moat audit approve ${held.id}`,
          `Drop it with:    moat audit reject ${held.id} --reason "…"`,
        ],
      });
    });
  }
  return held;
}

/** The domain's administrators (role domain_admin or admin): who may release its quarantine besides the operator. */
async function adminsOf(tools: StageTools, domainName: string): Promise<Address[]> {
  const domain = await tools.store.domains.findByName(domainName as DomainName);
  if (!domain) return [];
  const users: User[] = await tools.store.users.list(domain.id);
  return users.filter((u) => u.role !== "user" && u.status === "active").map((u) => u.address);
}

/** One trace entry per rule that matched, naming the copies it matched and what it did. */
function traceHits(ctx: StageContext, outcomes: Map<Copy, CopyOutcome>, heldId: string | null): void {
  const entries = new Map<string, { decision: TraceEntry["decision"]; name: string; text: string; recipients: Address[] }>();
  for (const [copy, outcome] of outcomes) {
    for (const hit of outcome.hits) {
      const removal = outcome.removal && outcome.removal.rule === hit.rule ? outcome.removal.kind : null;
      const decision: TraceEntry["decision"] = removal === "quarantine" ? "hold" : removal ? "drop" : hit.rule.actions.some((a) => a.kind !== "stop") ? "mark" : "pass";
      const done = removal === "quarantine" && heldId ? `${describeActions(hit.rule.actions)} (held as ${heldId})` : describeActions(hit.rule.actions);
      const key = `${hit.domain}\n${hit.rule.name}\n${decision}`;
      const entry = entries.get(key) ?? { decision, name: hit.rule.name, text: `rule ${hit.rule.name} of ${hit.domain}: ${done}`, recipients: [] };
      entry.recipients.push(addressOf(copy));
      entries.set(key, entry);
    }
  }
  for (const e of entries.values()) ctx.trace.add({ stage: "admin_rules", decision: e.decision, recipients: e.recipients, reason: `rule:${e.name}`, text: e.text });
}

/** A notice to the envelope sender per bouncing rule, after the commit; never to a null sender (no bounce of a bounce). */
function queueBounces(ctx: StageContext, plan: DeliveryPlan, tools: StageTools, outcomes: Map<Copy, CopyOutcome>): void {
  const to = ctx.envelope.mailFrom;
  const byRule = new Map<string, { domain: string; message: string; recipients: Address[] }>();
  for (const [copy, outcome] of outcomes) {
    if (outcome.removal?.kind !== "bounce") continue;
    const key = `${outcome.removal.domain}\n${outcome.removal.rule.name}`;
    const entry = byRule.get(key) ?? { domain: outcome.removal.domain, message: outcome.removal.message, recipients: [] };
    entry.recipients.push(addressOf(copy));
    byRule.set(key, entry);
  }
  if (to === null || byRule.size === 0) return;
  const subject = ctx.body.index.subject;
  for (const entry of byRule.values()) {
    plan.after.push(async () => {
      await tools.notice({
        fromDomain: entry.domain,
        to,
        subject: `Not delivered: ${subject || "(no subject)"}`,
        kind: "rule-bounce",
        lines: [`Your message was not delivered to ${entry.recipients.join(", ")}.`, "", `Subject: ${subject}`, `Reason:  ${entry.message}`, "", `A mail filter of ${entry.domain} returned it (queue id ${ctx.id}).`],
      });
    });
  }
}
