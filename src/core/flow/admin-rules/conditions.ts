// A rule's conditions compiled once into tests (a glob or regular expression is built when the
// settings are read, never per message); each test reads only the facts it needs.
import type { MessageFacts } from "./facts.js";
import type { AdminRule, RuleCondition } from "./schema.js";
import { globRegex, parseScore, parseSize, type Direction } from "./values.js";

/** What a rule sees besides the message: which way this copy goes, and the domain's trusted spam header. */
export interface EvalEnv {
  readonly direction: Direction;
  readonly spamHeader: string | null;
}

export type ConditionTest = (facts: MessageFacts, env: EvalEnv) => boolean;

function textTest(field: string, op: string, value: string): ConditionTest {
  if (op === "is") {
    const wanted = value.trim().toLowerCase();
    return (facts) => facts.lower(field).some((v) => v.trim() === wanted);
  }
  if (op === "contains") {
    const wanted = value.toLowerCase();
    return (facts) => facts.lower(field).some((v) => v.includes(wanted));
  }
  if (op === "matches") {
    const re = globRegex(value.trim());
    return (facts) => facts.text(field).some((v) => re.test(v.trim()));
  }
  // regex (checked safe when saved, see values.ts)
  const re = new RegExp(value, "iu");
  if (field === "body") return (facts) => facts.bodyLines().some((line) => re.test(line));
  return (facts) => facts.text(field).some((v) => re.test(v));
}

function positiveTest(c: RuleCondition, op: string): ConditionTest {
  const value = c.value;
  switch (c.field) {
    case "size": {
      const bytes = parseSize(value)!;
      return op === "over" ? (facts) => facts.size > bytes : (facts) => facts.size < bytes;
    }
    case "spam-score": {
      const limit = parseScore(value)!;
      return (facts, env) => {
        const score = facts.spamScore(env.spamHeader);
        return score !== null && (op === "over" ? score > limit : score < limit);
      };
    }
    case "spf":
    case "dkim":
    case "dmarc": {
      const kind = c.field;
      const wanted = value.toLowerCase();
      return (facts) => facts.verdict(kind) === wanted;
    }
    case "direction": {
      const wanted = value.toLowerCase();
      return wanted === "external" ? (_f, env) => env.direction !== "internal" : (_f, env) => env.direction === wanted;
    }
    default:
      return textTest(c.field, op, value);
  }
}

/** "not-X" is the negation of X: for a field with several values (recipients), none of them satisfies X. */
export function compileCondition(c: RuleCondition): ConditionTest {
  const negated = c.op.startsWith("not-");
  const test = positiveTest(c, negated ? c.op.slice(4) : c.op);
  return negated ? (facts, env) => !test(facts, env) : test;
}

export function compileMatch(rule: AdminRule): ConditionTest {
  const tests = rule.conditions.map(compileCondition);
  return rule.match === "all" ? (facts, env) => tests.every((t) => t(facts, env)) : (facts, env) => tests.some((t) => t(facts, env));
}
