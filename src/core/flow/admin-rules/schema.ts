// Admin filter rules of a domain (issue 7 item 5), as stored in the domain's flow settings:
// ordered rules, each with conditions combined with all/any and actions. Every value is
// checked here, when the rule is saved, so evaluation never meets a bad pattern.
import { z } from "zod";
import { directionValues, headerNamePattern, parseScore, parseSize, printable, regexProblem, verdictValues } from "./values.js";

export const textFields = ["from", "from-domain", "to", "subject", "body", "attachment-name", "attachment-type"] as const;
export const numberFields = ["size", "spam-score"] as const;
export const verdictFields = ["spf", "dkim", "dmarc"] as const;
export const fieldNames = [...textFields, "header:NAME", ...numberFields, ...verdictFields, "direction"] as const;

export const textOps = ["is", "contains", "matches", "regex", "not-is", "not-contains", "not-matches", "not-regex"] as const;
export const numberOps = ["over", "under"] as const;
export const conditionOps = [...textOps, ...numberOps] as const;
export type ConditionOp = (typeof conditionOps)[number];

export const maxRules = 200;

const conditionObject = z.object({
  /** One of fieldNames; header fields as "header:X-Mailer". */
  field: z.string().min(1).max(80),
  op: z.enum(conditionOps),
  value: z.string().max(500),
});
export type RuleCondition = z.output<typeof conditionObject>;

/** Why a condition cannot be saved, or null. */
export function conditionProblem(c: RuleCondition): string | null {
  const field = c.field.toLowerCase();
  const isText = (textFields as readonly string[]).includes(field) || field.startsWith("header:");
  if (field.startsWith("header:") && !headerNamePattern.test(c.field.slice(7))) return `${c.field}: not a header field name`;
  if (isText) {
    if (!(textOps as readonly string[]).includes(c.op)) return `${c.field} takes ${textOps.join(", ")}, not ${c.op}`;
    if (c.op.endsWith("regex")) {
      const problem = regexProblem(c.value);
      return problem && `${c.field} ${c.op}: ${problem}`;
    }
    if (c.value === "" && c.op !== "is" && c.op !== "not-is") return `${c.field} ${c.op}: the value is empty`;
    return null;
  }
  if (field === "size" || field === "spam-score") {
    if (c.op !== "over" && c.op !== "under") return `${c.field} takes over or under, not ${c.op}`;
    if (field === "size" && parseSize(c.value) === null) return `size: '${c.value}' is not a size (e.g. 500K, 10M)`;
    if (field === "spam-score" && parseScore(c.value) === null) return `spam-score: '${c.value}' is not a number`;
    return null;
  }
  const allowed: readonly string[] | null = (verdictFields as readonly string[]).includes(field) ? verdictValues : field === "direction" ? directionValues : null;
  if (allowed === null) return `unknown field '${c.field}' (fields: ${fieldNames.join(", ")})`;
  if (c.op !== "is" && c.op !== "not-is") return `${c.field} takes is or not-is, not ${c.op}`;
  if (!allowed.includes(c.value.toLowerCase())) return `${c.field}: expected ${allowed.join("|")}, not '${c.value}'`;
  return null;
}

export const conditionSchema = conditionObject
  .superRefine((c, ctx) => {
    const problem = conditionProblem(c);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((c) => ({ ...c, field: c.field.toLowerCase().startsWith("header:") ? `header:${c.field.slice(7)}` : c.field.toLowerCase() }));

/**
 * Header fields a rule may not add: the ones that shape the message (a second From, a MIME
 * header) or claim a check that did not happen (Authentication-Results, a signature).
 */
const reservedHeaders = new Set(["from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "return-path", "received", "mime-version", "authentication-results", "arc-authentication-results", "arc-seal", "arc-message-signature", "dkim-signature", "received-spf"]);

const line = (max: number) => z.string().trim().min(1).max(max).refine(printable, "no line breaks or control characters");

export const ruleActionSchema = z.discriminatedUnion("kind", [
  /** Every affected local copy goes to the recipient's Junk folder. */
  z.object({ kind: z.literal("junk") }),
  /** The copy is dropped; nobody is told. */
  z.object({ kind: z.literal("delete") }),
  /** The copy is dropped and the envelope sender gets a notice with this message. */
  z.object({ kind: z.literal("bounce"), message: line(500) }),
  /** The copy is held for the domain's admins (`moat audit held`, `moat audit approve`). */
  z.object({ kind: z.literal("quarantine") }),
  /** A header field on top of the copy. */
  z.object({
    kind: z.literal("header"),
    name: z
      .string()
      .regex(headerNamePattern, "not a header field name")
      .refine((n) => !reservedHeaders.has(n.toLowerCase()) && !n.toLowerCase().startsWith("content-"), "this header may not be added by a rule"),
    value: line(200),
  }),
  /** A tag such as "[EXT]" in front of the Subject (once). */
  z.object({ kind: z.literal("tag"), tag: line(40) }),
  /** No later rule (of this domain or the next) runs for the copies this rule matched. */
  z.object({ kind: z.literal("stop") }),
]);
export type RuleAction = z.output<typeof ruleActionSchema>;

const terminal = new Set(["delete", "bounce", "quarantine"]);

export const adminRuleSchema = z
  .object({
    /** Unique in the domain: the trace and the quarantine name the rule by it. */
    name: z.string().min(1).max(64).regex(/^[\w.@+-]+$/, "letters, digits and . _ - + @ only"),
    enabled: z.boolean().default(true),
    /** all: every condition must hold; any: one is enough. */
    match: z.enum(["all", "any"]).default("all"),
    conditions: z.array(conditionSchema).min(1).max(20),
    actions: z.array(ruleActionSchema).min(1).max(10),
    comment: z.string().max(200).default(""),
  })
  .superRefine((rule, ctx) => {
    const kinds = rule.actions.map((a) => a.kind);
    if (kinds.filter((k) => terminal.has(k)).length > 1) ctx.addIssue({ code: "custom", message: "only one of delete, bounce and quarantine per rule" });
    if (new Set(kinds.filter((k) => k !== "header")).size !== kinds.filter((k) => k !== "header").length) ctx.addIssue({ code: "custom", message: "an action appears twice" });
  });
export type AdminRule = z.output<typeof adminRuleSchema>;

export const adminRulesSchema = z
  .array(adminRuleSchema)
  .max(maxRules)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    for (const rule of rules) {
      if (seen.has(rule.name)) ctx.addIssue({ code: "custom", message: `two rules are named ${rule.name}` });
      seen.add(rule.name);
    }
  });

/** The trusted spam-score header's name, or null (then spam-score conditions never match). */
export const spamScoreHeaderSchema = z.string().regex(headerNamePattern, "not a header field name").nullable();
