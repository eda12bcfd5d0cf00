// moat rule add|list|show|remove|move|enable|disable|dry-run|spam-header: admin filter rules
// of a domain (issue 7 item 5). Every change goes through the flow settings and into the
// admin audit log (core); bad input is one line and exit 2, nothing written.
import type { Command } from "commander";
import { AdminRulesService } from "../../core/flow/admin-rules/service.js";
import { conditionOps, fieldNames, type AdminRule } from "../../core/flow/admin-rules/schema.js";
import { parseAction, parseCondition, ruleText } from "../../core/flow/admin-rules/text.js";
import { MoatError } from "../../shared/errors.js";
import type { Moat } from "../../app.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const collect = (value: string, previous: string[]) => [...previous, value];

const rulesOf = (moat: Moat) => new AdminRulesService(moat.flowSettings, moat.store, moat.mailstore, moat.loaded.settings.server.hostname);

function wholeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new MoatError("invalid_input", `${flag} must be a whole number above 0, not '${text}'`);
  return n;
}

const ruleJson = (rule: AdminRule, position: number) => ({ position, ...rule, text: ruleText(rule) });
const showText = (rule: AdminRule, position: number) =>
  [`rule ${rule.name} (#${position}, ${rule.enabled ? "enabled" : "disabled"})`, `  ${ruleText(rule)}`, ...(rule.comment ? [`  comment: ${rule.comment}`] : [])].join("\n");

const addHelp = `
Conditions (--if "FIELD OP VALUE", repeatable; --match all|any combines them):
  fields: ${fieldNames.join(", ")}
  ops:    ${conditionOps.join(", ")}
          text fields: is, contains, matches (glob: * and ?), regex (at most 200
          characters; no backreferences, no lookbehind, no repeated group holding a
          repetition or "|"); not-is, not-contains, not-matches, not-regex negate
          (for several values, e.g. recipients: none of them). Case is ignored.
          size, spam-score: over, under (size in bytes or 500K, 10M).
          spf, dkim, dmarc: is, not-is pass|fail|softfail|neutral|none|temperror|permerror|policy
          (mail from the internet only; other mail is "none").
          direction: is, not-is inbound|outbound|internal|external.
          spam-score reads the header set with "moat rule spam-header DOMAIN X-Spam-Score",
          on mail from the internet only; without it the condition never matches.
Actions (--then "ACTION [ARGUMENT]", repeatable, in order):
  junk                      deliver to the recipient's Junk folder
  delete                    drop the copy silently
  bounce MESSAGE            drop the copy and tell the sender MESSAGE
  quarantine                hold for the domain's admins (moat audit held / approve)
  header "Name: value"      add a header field
  tag TAG                   put TAG in front of the Subject
  stop                      no later rule runs for these copies
Example:
  moat rule add example.com big-pdf --if "attachment-type is application/pdf" \\
    --if "size over 10M" --then "tag [BIG]" --then stop`;

export function ruleCommand(program: Command, io: CliIo): void {
  const rule = program.command("rule").description("admin filter rules of a domain, run in order on its mail");

  rule
    .command("add <domain> <name>")
    .description("add a filter rule (last, or at --position)")
    .option("--if <condition>", 'a condition "FIELD OP VALUE" (repeatable)', collect, [])
    .option("--match <all|any>", "all conditions must hold, or any one", "all")
    .option("--then <action>", 'an action "ACTION [ARGUMENT]" (repeatable)', collect, [])
    .option("--disabled", "add it switched off (try it with dry-run first)")
    .option("--position <n>", "its place in the order, from 1")
    .option("--comment <text>", "a note for other admins")
    .addHelpText("after", addHelp)
    .action((domain: string, name: string, opts: { if: string[]; match: string; then: string[]; disabled?: boolean; position?: string; comment?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        if (opts.if.length === 0) throw new MoatError("invalid_input", 'give at least one --if "FIELD OP VALUE"');
        if (opts.then.length === 0) throw new MoatError("invalid_input", 'give at least one --then ACTION');
        if (opts.match !== "all" && opts.match !== "any") throw new MoatError("invalid_input", `--match: expected all|any, not '${opts.match}'`);
        const conditions = opts.if.map(parseCondition);
        const actions = opts.then.map(parseAction);
        const position = opts.position === undefined ? undefined : wholeNumber("--position", opts.position);
        const service = rulesOf(moat);
        const added = await service.add(domain, { name, conditions, actions, match: opts.match, enabled: !opts.disabled, ...(opts.comment !== undefined ? { comment: opts.comment } : {}), ...(position !== undefined ? { position } : {}) }, cliActor());
        const warnings: string[] = [];
        if (added.conditions.some((c) => c.field === "spam-score") && (await service.spamHeader(domain)) === null) {
          warnings.push(`${domain} has no spam-score header (moat rule spam-header ${domain} X-Spam-Score): this spam-score condition never matches`);
        }
        const rules = await service.list(domain);
        const at = rules.findIndex((r) => r.name === added.name) + 1;
        outputOf(cmd, io).object([`added rule ${added.name} as #${at}${added.enabled ? "" : " (disabled)"}: ${ruleText(added)}`, ...warnings.map((w) => `warning: ${w}`)].join("\n"), { ...ruleJson(added, at), warnings });
      }),
    );

  rule
    .command("list <domain>")
    .description("the domain's rules in the order they run")
    .action((domain: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rules = (await rulesOf(moat).list(domain)).map((r, i) => ({ rule: r, position: i + 1 }));
        outputOf(cmd, io).rows(rules, { "#": (r) => String(r.position), NAME: (r) => r.rule.name, ON: (r) => (r.rule.enabled ? "yes" : "no"), RULE: (r) => ruleText(r.rule) }, (r) => ruleJson(r.rule, r.position));
      }),
    );

  rule
    .command("show <domain> <name>")
    .description("one rule")
    .action((domain: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const service = rulesOf(moat);
        const found = await service.get(domain, name);
        const position = (await service.list(domain)).findIndex((r) => r.name === name) + 1;
        outputOf(cmd, io).object(showText(found, position), ruleJson(found, position));
      }),
    );

  rule
    .command("remove <domain> <name>")
    .description("delete a rule")
    .action((domain: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await rulesOf(moat).remove(domain, name, cliActor());
        outputOf(cmd, io).object(`removed rule ${name}`, { name, removed: true });
      }),
    );

  rule
    .command("move <domain> <name>")
    .description("put a rule at another place in the order")
    .requiredOption("--position <n>", "its new place, from 1")
    .action((domain: string, name: string, opts: { position: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rules = await rulesOf(moat).move(domain, name, wholeNumber("--position", opts.position), cliActor());
        outputOf(cmd, io).object(`order: ${rules.map((r) => r.name).join(", ")}`, { order: rules.map((r) => r.name) });
      }),
    );

  for (const [verb, enabled] of [["enable", true], ["disable", false]] as const) {
    rule
      .command(`${verb} <domain> <name>`)
      .description(enabled ? "switch a rule on" : "switch a rule off (it stays, in its place)")
      .action((domain: string, name: string, _o, cmd: Command) =>
        withMoat(cmd, async (moat) => {
          const changed = await rulesOf(moat).setEnabled(domain, name, enabled, cliActor());
          outputOf(cmd, io).object(`rule ${changed.name} ${enabled ? "enabled" : "disabled"}`, { name: changed.name, enabled });
        }),
      );
  }

  rule
    .command("dry-run <domain> <name>")
    .description("what the rule (on or off) would have done to the domain's last messages")
    .option("--last <n>", "how many of the newest messages (distinct bodies)", "100")
    .action((domain: string, name: string, opts: { last: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rows = await rulesOf(moat).dryRun(domain, name, wholeNumber("--last", opts.last));
        const out = outputOf(cmd, io);
        out.rows(
          rows,
          { DATE: (r) => formatTime(r.date), FROM: (r) => r.from || "-", SUBJECT: (r) => r.subject.slice(0, 50), MATCH: (r) => (r.matched ? "yes" : "no"), WOULD: (r) => r.would || "-" },
          (r) => ({ ...r, date: new Date(r.date).toISOString() }),
        );
        if (!out.json) out.line(`${rows.filter((r) => r.matched).length} of ${rows.length} messages match rule ${name}`);
      }),
    );

  rule
    .command("spam-header <domain> [header]")
    .description("name the spam-score header a filter in front of Moat writes (read on mail from the internet only)")
    .option("--clear", "no spam-score header: spam-score conditions never match")
    .action((domain: string, header: string | undefined, opts: { clear?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const service = rulesOf(moat);
        if (opts.clear && header !== undefined) throw new MoatError("invalid_input", "give a header or --clear, not both");
        const value = opts.clear ? await service.setSpamHeader(domain, null, cliActor()) : header === undefined ? await service.spamHeader(domain) : await service.setSpamHeader(domain, header, cliActor());
        outputOf(cmd, io).object(`spam-score header of ${domain}: ${value ?? "none"}`, { domain, spamScoreHeader: value });
      }),
    );
}
