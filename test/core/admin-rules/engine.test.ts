// The admin-rule engine on its own (issue 7 item 5): every field and operator against a real
// indexed message, all/any, order, stop, removal, and what a rule may not be saved with.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileCondition, type EvalEnv } from "../../../src/core/flow/admin-rules/conditions.js";
import { compileRules, RuleMemo, runRules, type RuleScope } from "../../../src/core/flow/admin-rules/evaluate.js";
import { MessageFacts, scoreOf } from "../../../src/core/flow/admin-rules/facts.js";
import { ownAuthResults } from "../../../src/core/flow/admin-rules/auth-results.js";
import { adminRuleSchema, adminRulesSchema, conditionSchema, type AdminRule } from "../../../src/core/flow/admin-rules/schema.js";
import { parseAction, parseCondition, ruleText } from "../../../src/core/flow/admin-rules/text.js";
import { regexProblem } from "../../../src/core/flow/admin-rules/values.js";
import { indexMessage } from "../../../src/mail/mime/index-message.js";

const raw = Buffer.from(
  [
    "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=shop.example; dkim=fail header.d=shop.example; dmarc=fail header.from=shop.example",
    "X-Spam-Score: 7.5",
    "X-Mailer: BulkSender 3.1",
    "From: Shop <News@Shop.example>",
    "To: alice@example.com",
    "Cc: Bob <bob@example.com>",
    "Subject: =?utf-8?Q?Your_invoice_=E2=82=AC42?=",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello,",
    "please PAY the invoice today.",
    "--b",
    'Content-Type: application/pdf; name="invoice-42.pdf"',
    'Content-Disposition: attachment; filename="invoice-42.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    "JVBERi0xLjQK",
    "--b--",
    "",
  ].join("\r\n"),
);

function factsOf(message = raw, opts: { trust?: boolean; auth?: boolean } = {}) {
  const index = indexMessage(message);
  return new MessageFacts({
    message,
    index,
    bodyText: () => index.bodyText,
    mailFrom: "bounce@mailer.shop.example",
    recipients: ["alice@example.com"],
    auth: opts.auth === false ? null : { spf: "pass", dkim: "fail", dmarc: "fail" },
    trustSpamHeader: opts.trust ?? true,
  });
}

const env: EvalEnv = { direction: "inbound", spamHeader: "X-Spam-Score" };
const holds = (text: string, facts = factsOf(), e: EvalEnv = env) => compileCondition(conditionSchema.parse(parseCondition(text)))(facts, e);

describe("admin rule conditions", () => {
  it("reads every text field, with is, contains, matches and regex, case ignored", () => {
    const yes = [
      "from is news@shop.example",
      "from is bounce@mailer.shop.example",
      "from-domain is shop.example",
      "from-domain is mailer.shop.example",
      "from-domain matches *.shop.example",
      "to is bob@example.com",
      "to contains alice@",
      "subject contains INVOICE €42",
      "subject is your invoice €42",
      "subject matches Your*42",
      "subject regex ^your\\s+invoice",
      "body contains pay the invoice",
      "body regex ^please\\b",
      "header:X-Mailer matches bulksender*",
      "header:x-mailer contains 3.1",
      "attachment-name is invoice-42.pdf",
      "attachment-name matches *.PDF",
      "attachment-type is application/pdf",
      "attachment-type matches application/*",
    ];
    for (const c of yes) assert.equal(holds(c), true, c);
    const no = ["from is someone@shop.example", "subject is invoice", "subject matches invoice", "body contains refund", "header:X-Other matches *", "attachment-name matches *.exe", "to is carol@example.com"];
    for (const c of no) assert.equal(holds(c), false, c);
  });

  it("negates: not-X holds when no value satisfies X", () => {
    assert.equal(holds("to not-contains carol"), true);
    assert.equal(holds("to not-is bob@example.com"), false, "one recipient is bob");
    assert.equal(holds("header:X-Other not-matches *"), true, "absent header");
    assert.equal(holds("subject not-regex refund"), true);
    assert.equal(holds("attachment-type not-is application/pdf"), false);
  });

  it("compares size and the trusted spam score, only where the header may be believed", () => {
    assert.equal(holds("size over 100"), true);
    assert.equal(holds("size under 1K"), true);
    assert.equal(holds("size over 1M"), false);
    assert.equal(holds("spam-score over 5"), true);
    assert.equal(holds("spam-score under 5"), false);
    assert.equal(holds("spam-score over 5", factsOf(raw, { trust: false })), false, "not mail from the internet");
    assert.equal(holds("spam-score over 5", factsOf(), { ...env, spamHeader: null }), false, "no header named");
    assert.equal(holds("spam-score under 100", factsOf(), { ...env, spamHeader: "X-None" }), false, "header absent");
    assert.equal(scoreOf("Yes, score=12.3 required=5.0"), 12.3);
    assert.equal(scoreOf("-1.5 (clean)"), -1.5);
    assert.equal(scoreOf("high"), null);
  });

  it("reads the SPF, DKIM and DMARC verdicts ('none' for mail not from the internet) and the direction", () => {
    assert.equal(holds("spf is pass"), true);
    assert.equal(holds("dkim is fail"), true);
    assert.equal(holds("dmarc not-is pass"), true);
    assert.equal(holds("spf is none", factsOf(raw, { auth: false })), true);
    assert.equal(holds("direction is inbound"), true);
    assert.equal(holds("direction is external"), true);
    assert.equal(holds("direction is external", factsOf(), { ...env, direction: "internal" }), false);
    assert.equal(holds("direction is outbound", factsOf(), { ...env, direction: "outbound" }), true);
    assert.equal(holds("direction not-is internal", factsOf(), { ...env, direction: "outbound" }), true);
  });

  it("finds only our own Authentication-Results", () => {
    assert.deepEqual(ownAuthResults(raw, "mx.example.com"), { spf: "pass", dkim: "fail", dmarc: "fail" });
    assert.equal(ownAuthResults(raw, "other.host"), null);
  });
});

describe("admin rule validation", () => {
  const bad = (text: string) => conditionSchema.safeParse(parseCondition(text)).success === false;
  it("refuses wrong fields, operators and values", () => {
    for (const c of ["colour is red", "size contains 5", "size over lots", "spam-score over high", "spf is great", "direction is sideways", "subject over 5", "header:Bad:Name is x", "subject contains "]) assert.ok(bad(c), c);
    assert.throws(() => parseCondition("subject"), /FIELD OP VALUE/);
    assert.throws(() => parseCondition("subject likes x"), /unknown operator/);
  });

  it("refuses regular expressions that could run without end, and long ones", () => {
    for (const p of ["(a+)+$", "(a*)*", "(\\w+\\s?)*x", "(a|aa)+", "((ab)+)+", "(.)\\1", "(?<=a)b", "x".repeat(201), "[unclosed"]) assert.notEqual(regexProblem(p), null, p);
    for (const p of ["^invoice\\s+\\d+", "(?:foo|bar) baz", "a+b*c", "(ab)+", "[a-z]{2,}\\.pdf$"]) assert.equal(regexProblem(p), null, p);
    assert.ok(bad("subject regex (a+)+$"));
  });

  it("checks actions: one removal, header names and values without line breaks", () => {
    const rule = (actions: unknown[]) => adminRuleSchema.safeParse({ name: "r", conditions: [{ field: "size", op: "over", value: "1" }], actions });
    assert.equal(rule([{ kind: "delete" }, { kind: "bounce", message: "no" }]).success, false);
    assert.equal(rule([{ kind: "header", name: "X-A", value: "a\r\nBcc: x@y" }]).success, false);
    assert.equal(rule([{ kind: "header", name: "From", value: "x" }]).success, false);
    assert.equal(rule([{ kind: "header", name: "Content-Type", value: "x" }]).success, false);
    assert.equal(rule([{ kind: "tag", tag: "[A]\nSubject: x" }]).success, false);
    assert.equal(rule([{ kind: "header", name: "X-A", value: "1" }, { kind: "header", name: "X-B", value: "2" }, { kind: "tag", tag: "[X]" }, { kind: "stop" }]).success, true);
    assert.equal(adminRulesSchema.safeParse([rule([{ kind: "junk" }]).data, rule([{ kind: "junk" }]).data]).success, false, "names are unique");
    assert.deepEqual(parseAction('header "X-Flag: yes please"'), { kind: "header", name: "X-Flag", value: "yes please" });
    assert.deepEqual(parseAction("bounce We do not take this"), { kind: "bounce", message: "We do not take this" });
    assert.throws(() => parseAction("junk now"), /no argument/);
    assert.throws(() => parseAction("explode"), /unknown action/);
  });
});

describe("admin rule evaluation", () => {
  const make = (name: string, conditions: string[], actions: string[], extra: Partial<AdminRule> = {}): AdminRule =>
    adminRuleSchema.parse({ name, conditions: conditions.map(parseCondition), actions: actions.map(parseAction), ...extra });
  const scope = (domain: string, rules: AdminRule[], e: EvalEnv = env): RuleScope => ({ domain, rules: compileRules(Object.freeze(rules)), env: e });

  it("combines with all and any", () => {
    const all = make("all", ["subject contains invoice", "size over 1M"], ["junk"]);
    const any = make("any", ["subject contains invoice", "size over 1M"], ["junk"], { match: "any" });
    assert.equal(runRules(factsOf(), [scope("a", [all])], new RuleMemo()).hits.length, 0);
    assert.equal(runRules(factsOf(), [scope("a", [any])], new RuleMemo()).hits.length, 1);
  });

  it("runs rules in order, collects marks, stops, and a removal ends it", () => {
    const tag = make("tag", ["subject contains invoice"], ["tag [INV]", "header X-Rule: tag"]);
    const junk = make("junk", ["from-domain is shop.example"], ["junk", "stop"]);
    const del = make("del", ["size over 1"], ["delete"]);
    const out = runRules(factsOf(), [scope("a", [tag, junk, del])], new RuleMemo());
    assert.deepEqual(out.hits.map((h) => h.rule.name), ["tag", "junk"]);
    assert.equal(out.junk, true);
    assert.equal(out.removal, null);
    assert.deepEqual(out.edits, [{ kind: "subject_tag", tag: "[INV]" }, { kind: "header", field: "X-Rule: tag\r\n" }]);

    const removed = runRules(factsOf(), [scope("a", [del, tag]), scope("b", [junk])], new RuleMemo());
    assert.deepEqual(removed.hits.map((h) => h.rule.name), ["del"]);
    assert.equal(removed.removal?.kind, "delete");
    const bounced = runRules(factsOf(), [scope("a", [make("b", ["size over 1"], ["bounce Not here"])])], new RuleMemo());
    assert.deepEqual([bounced.removal?.kind, bounced.removal?.message], ["bounce", "Not here"]);
  });

  it("skips disabled rules, runs the next domain's rules after the first's, and tests each rule once per direction", () => {
    const off = make("off", ["size over 1"], ["delete"], { enabled: false });
    const second = make("second", ["size over 1"], ["tag [B]"]);
    const memo = new RuleMemo();
    const b = scope("b", [second]);
    const out = runRules(factsOf(), [scope("a", [off]), b], memo);
    assert.deepEqual(out.hits.map((h) => `${h.domain}:${h.rule.name}`), ["b:second"]);
    assert.equal(memo.size, 1);
    // The same message's next copy in the same direction: answered from the memo.
    assert.deepEqual(runRules(factsOf(), [b], memo).hits.length, 1);
    assert.equal(memo.size, 1);
    assert.equal(runRules(factsOf(), [scope("a", [off])], new RuleMemo(), true).removal?.kind, "delete", "the dry run includes it");
  });

  it("prints a rule as it was typed", () => {
    const rule = make("r", ["subject contains big invoice", "size over 10M"], ["header X-A: b", "stop"], { match: "any" });
    assert.equal(ruleText(rule), 'if subject contains "big invoice" or size over 10M then header "X-A: b", stop');
  });
});
