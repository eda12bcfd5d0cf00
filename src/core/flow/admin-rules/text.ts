// The admin rules as people type and read them (`moat rule add`, later the console):
// a condition is "FIELD OP VALUE" (`subject contains invoice`, `size over 10M`,
// `header:X-Mailer matches *Bulk*`), an action is "ACTION [ARGUMENT]" (`junk`,
// `bounce We do not accept this`, `header X-Flag: yes`, `tag [EXT]`).
import { MoatError } from "../../../shared/errors.js";
import { conditionOps, type AdminRule, type RuleAction, type RuleCondition } from "./schema.js";

/** A value may be quoted ("a b" or 'a b') to keep spaces at its ends; the quotes go. */
const unquote = (text: string) => (/^(["']).*\1$/s.test(text) && text.length >= 2 ? text.slice(1, -1) : text);

export function parseCondition(text: string): RuleCondition {
  const m = /^\s*(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/s.exec(text);
  if (!m) throw new MoatError("invalid_input", `--if '${text}': expected FIELD OP VALUE (e.g. "subject contains invoice")`);
  const op = m[2]!.toLowerCase();
  if (!(conditionOps as readonly string[]).includes(op)) throw new MoatError("invalid_input", `--if '${text}': unknown operator '${m[2]}' (${conditionOps.join(", ")})`);
  return { field: m[1]!, op: op as RuleCondition["op"], value: unquote(m[3] ?? "") };
}

export function parseAction(text: string): RuleAction {
  const m = /^\s*(\S+)(?:\s+(.*?))?\s*$/s.exec(text);
  const kind = m?.[1]?.toLowerCase();
  const arg = unquote(m?.[2] ?? "");
  const needs = (what: string) => {
    if (arg === "") throw new MoatError("invalid_input", `--then ${kind}: give ${what}`);
  };
  switch (kind) {
    case "junk":
    case "delete":
    case "quarantine":
    case "stop":
      if (arg !== "") throw new MoatError("invalid_input", `--then ${kind} takes no argument`);
      return { kind };
    case "bounce":
      needs('the message for the sender (--then "bounce We do not accept invoices by mail")');
      return { kind, message: arg };
    case "tag":
      needs('the tag (--then "tag [EXT]")');
      return { kind, tag: arg };
    case "header": {
      needs('"Name: value" (--then "header X-Filtered: yes")');
      const colon = arg.indexOf(":");
      if (colon <= 0) throw new MoatError("invalid_input", `--then header: expected "Name: value", not '${arg}'`);
      return { kind, name: arg.slice(0, colon).trim(), value: arg.slice(colon + 1).trim() };
    }
    default:
      throw new MoatError("invalid_input", `--then '${text}': unknown action (junk, delete, bounce MESSAGE, quarantine, header "Name: value", tag TAG, stop)`);
  }
}

const quoted = (v: string) => (v === "" || /\s|["']/.test(v) ? JSON.stringify(v) : v);

export function conditionText(c: RuleCondition): string {
  return `${c.field} ${c.op} ${quoted(c.value)}`;
}

export function actionText(a: RuleAction): string {
  switch (a.kind) {
    case "bounce":
      return `bounce ${quoted(a.message)}`;
    case "tag":
      return `tag ${quoted(a.tag)}`;
    case "header":
      return `header ${quoted(`${a.name}: ${a.value}`)}`;
    default:
      return a.kind;
  }
}

/** "if subject contains invoice and size over 10M then junk, tag [EXT]" */
export function ruleText(rule: AdminRule): string {
  return `if ${rule.conditions.map(conditionText).join(rule.match === "all" ? " and " : " or ")} then ${rule.actions.map(actionText).join(", ")}`;
}
