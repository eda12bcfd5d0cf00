// The one engine that runs a copy through the admin rules that apply to it: the recipient
// domain's rules first, then the sending domain's, each in order, until a rule removes the
// copy (delete, bounce, quarantine) or says stop. Pure: it returns what happened; the stage
// (admin-rules-stage.ts) edits the delivery plan, and the dry run prints it.
import libmime from "libmime";
import type { CopyEdit } from "../copies.js";
import { compileMatch, type ConditionTest, type EvalEnv } from "./conditions.js";
import type { MessageFacts } from "./facts.js";
import type { AdminRule, RuleAction } from "./schema.js";

export interface CompiledRule {
  readonly rule: AdminRule;
  readonly matches: ConditionTest;
}

/**
 * Settings are read as one frozen object per stored text (core/settings.ts), so the rules
 * array is the same object until an admin changes them: compiled once per settings read.
 */
const compiledRules = new WeakMap<readonly AdminRule[], readonly CompiledRule[]>();

export function compileRules(rules: readonly AdminRule[]): readonly CompiledRule[] {
  let compiled = compiledRules.get(rules);
  if (!compiled) {
    compiled = rules.map((rule) => ({ rule, matches: compileMatch(rule) }));
    if (Object.isFrozen(rules)) compiledRules.set(rules, compiled);
  }
  return compiled;
}

/** One domain's rules as they apply to one copy. */
export interface RuleScope {
  readonly domain: string;
  readonly rules: readonly CompiledRule[];
  readonly env: EvalEnv;
}

export type Removal = "delete" | "bounce" | "quarantine";

export interface RuleHit {
  readonly domain: string;
  readonly rule: AdminRule;
}

export interface CopyOutcome {
  /** Every rule that matched, in order (the last may be the one that removed or stopped). */
  readonly hits: readonly RuleHit[];
  readonly junk: boolean;
  readonly edits: readonly CopyEdit[];
  /** The rule that removed the copy, and how; null: the copy goes on. */
  readonly removal: (RuleHit & { readonly kind: Removal; readonly message: string }) | null;
}

/** A header field line: ASCII as it is, other text as RFC 2047 words; never a line break (checked when saved). */
export function headerField(name: string, value: string): string {
  const text = /^[\x20-\x7e]*$/.test(value) ? value : libmime.encodeWords(value, "Q", 52);
  return `${name}: ${text}\r\n`;
}

export function editOf(action: Extract<RuleAction, { kind: "header" | "tag" }>): CopyEdit {
  return action.kind === "header" ? { kind: "header", field: headerField(action.name, action.value) } : { kind: "subject_tag", tag: action.tag };
}

/**
 * Each rule's result on one message for a domain and direction, so the copies of one message
 * that look the same to a rule are tested once. Kept per compiled rule (one object per rule
 * while the settings stay as they are) under one key per domain and direction: a string built
 * and hashed per rule and copy was a third of what running the rules cost.
 */
export class RuleMemo {
  private readonly scopes = new Map<string, Map<CompiledRule, boolean>>();

  /** How many rule results are kept. */
  get size(): number {
    let n = 0;
    for (const results of this.scopes.values()) n += results.size;
    return n;
  }

  of(scope: RuleScope): Map<CompiledRule, boolean> {
    const key = `${scope.domain}\n${scope.env.direction}`;
    let results = this.scopes.get(key);
    if (!results) this.scopes.set(key, (results = new Map()));
    return results;
  }
}

function sameEdit(a: CopyEdit, b: CopyEdit): boolean {
  switch (a.kind) {
    case "header":
      return b.kind === "header" && a.field === b.field;
    case "subject_tag":
      return b.kind === "subject_tag" && a.tag === b.tag;
    case "banner":
      return b.kind === "banner" && a.text === b.text;
  }
}

/** Runs the scopes in order; `memo` is the message's (one per message, shared by its copies). */
export function runRules(facts: MessageFacts, scopes: readonly RuleScope[], memo: RuleMemo, includeDisabled = false): CopyOutcome {
  const hits: RuleHit[] = [];
  const edits: CopyEdit[] = [];
  let junk = false;
  for (const scope of scopes) {
    const results = memo.of(scope);
    for (const compiled of scope.rules) {
      const { rule, matches } = compiled;
      if (!rule.enabled && !includeDisabled) continue;
      let hit = results.get(compiled);
      if (hit === undefined) results.set(compiled, (hit = matches(facts, scope.env)));
      if (!hit) continue;
      hits.push({ domain: scope.domain, rule });
      for (const action of rule.actions) {
        if (action.kind === "delete" || action.kind === "quarantine") return { hits, junk, edits, removal: { domain: scope.domain, rule, kind: action.kind, message: "" } };
        if (action.kind === "bounce") return { hits, junk, edits, removal: { domain: scope.domain, rule, kind: "bounce", message: action.message } };
        if (action.kind === "junk") junk = true;
        else if (action.kind === "header" || action.kind === "tag") {
          const edit = editOf(action);
          if (!edits.some((e) => sameEdit(e, edit))) edits.push(edit);
        }
      }
      if (rule.actions.some((a) => a.kind === "stop")) return { hits, junk, edits, removal: null };
    }
  }
  return { hits, junk, edits, removal: null };
}

/** What a rule's actions do, in words (trace, dry run, `moat rule list`). */
export function describeActions(actions: readonly RuleAction[]): string {
  return actions
    .map((a) => {
      switch (a.kind) {
        case "junk":
          return "move to Junk";
        case "delete":
          return "delete silently";
        case "bounce":
          return `return to the sender ("${a.message}")`;
        case "quarantine":
          return "quarantine for the admins";
        case "header":
          return `add header ${a.name}: ${a.value}`;
        case "tag":
          return `tag the subject ${a.tag}`;
        case "stop":
          return "stop";
      }
    })
    .join(", ");
}
