// Checking tests (RFC 5228 §5, RFC 5173 body, RFC 5232 hasflag, RFC 5231 relational, RFC 5490
// mailboxexists) and turning them into the program's typed form.
import { fail, listOf, readArgs, stringOf, type ArgSpec, type CheckContext, type ReadArgs, type TagSpec } from "./args.js";
import type { TestNode } from "./parser.js";
import type { AddressPart, BodyTransform, ComparatorName, Match, MatchType, RelationalOp, Test } from "./program.js";

const MATCH_TAGS: Record<string, TagSpec> = {
  is: { group: "match" },
  contains: { group: "match" },
  matches: { group: "match" },
  value: { group: "match", arg: "string", ext: "relational" },
  count: { group: "match", arg: "string", ext: "relational" },
  comparator: { arg: "string" },
};

const ADDRESS_TAGS: Record<string, TagSpec> = {
  all: { group: "address-part" },
  localpart: { group: "address-part" },
  domain: { group: "address-part" },
};

const RELATIONAL_OPS = new Set(["gt", "ge", "lt", "le", "eq", "ne"]);

// RFC 5228 §5.1: the address test MUST be restricted to headers that hold addresses.
const ADDRESS_HEADERS = new Set([
  "from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc",
  "resent-sender", "resent-reply-to", "return-path", "delivered-to", "envelope-to", "x-original-to",
  "errors-to", "mail-followup-to", "mail-reply-to", "disposition-notification-to", "original-recipient", "x-envelope-to",
]);

// RFC 5322 §3.6.8 field-name: printable ASCII except ":".
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function comparatorOf(ctx: CheckContext, args: ReadArgs): ComparatorName {
  const given = args.tags.get("comparator");
  if (given === undefined) return "i;ascii-casemap"; // RFC 5228 §2.7.3 default
  const name = stringOf(given.value).toLowerCase();
  if (name === "i;octet" || name === "i;ascii-casemap") return name;
  if (name === "i;ascii-numeric") {
    ctx.needs("comparator-i;ascii-numeric", given.at, 'comparator "i;ascii-numeric"');
    return name;
  }
  return fail(given.at, `comparator "${name}" is not supported`);
}

function matchTypeOf(args: ReadArgs): MatchType {
  for (const kind of ["is", "contains", "matches"] as const) if (args.tags.has(kind)) return { kind };
  for (const kind of ["value", "count"] as const) {
    const given = args.tags.get(kind);
    if (given === undefined) continue;
    const op = stringOf(given.value).toLowerCase();
    if (!RELATIONAL_OPS.has(op)) fail(given.at, `:${kind} needs one of "gt", "ge", "lt", "le", "eq", "ne", not "${op}"`);
    return { kind, op: op as RelationalOp };
  }
  return { kind: "is" };
}

function matchOf(ctx: CheckContext, node: TestNode, args: ReadArgs, keys: readonly string[]): Match {
  const comparator = comparatorOf(ctx, args);
  const type = matchTypeOf(args);
  // RFC 4790: i;ascii-numeric offers equality and ordering only, no substring operations.
  if (comparator === "i;ascii-numeric" && (type.kind === "contains" || type.kind === "matches")) {
    fail(args.tags.get(type.kind)?.at ?? node, `comparator "i;ascii-numeric" cannot do :${type.kind}`);
  }
  return { comparator, type, keys };
}

function addressPartOf(args: ReadArgs): AddressPart {
  if (args.tags.has("localpart")) return "localpart";
  if (args.tags.has("domain")) return "domain";
  return "all";
}

function headerNames(args: ReadArgs, index: number, addressOnly: boolean): string[] {
  const { value, at } = args.positional[index]!;
  return listOf(value).map((name) => {
    if (!FIELD_NAME.test(name)) fail(at, `"${name}" is not a header field name`);
    if (addressOnly && !ADDRESS_HEADERS.has(name.toLowerCase())) fail(at, `the address test works only on address headers, not "${name}"`);
    return name;
  });
}

function noTests(node: TestNode): void {
  if (node.tests.length > 0) fail(node.tests[0]!, `'${node.name}' takes no test`);
}

const spec = (tags: Record<string, TagSpec>, positional: ArgSpec["positional"]): ArgSpec => ({ tags, positional });
const SPECS: Record<string, ArgSpec> = {
  address: spec({ ...MATCH_TAGS, ...ADDRESS_TAGS }, ["strings", "strings"]),
  envelope: spec({ ...MATCH_TAGS, ...ADDRESS_TAGS }, ["strings", "strings"]),
  header: spec(MATCH_TAGS, ["strings", "strings"]),
  exists: spec({}, ["strings"]),
  size: spec({ over: { group: "size" }, under: { group: "size" } }, ["number"]),
  body: spec({ ...MATCH_TAGS, raw: { group: "transform" }, text: { group: "transform" }, content: { group: "transform", arg: "strings" } }, ["strings"]),
  hasflag: spec(MATCH_TAGS, ["strings"]),
  mailboxexists: spec({}, ["strings"]),
  true: spec({}, []),
  false: spec({}, []),
};

const TEST_EXTENSIONS: Record<string, string> = { envelope: "envelope", body: "body", hasflag: "imap4flags", mailboxexists: "mailbox" };

function leafTest(ctx: CheckContext, node: TestNode, args: ReadArgs): Test {
  const keysAt = (i: number): readonly string[] => listOf(args.positional[i]?.value);
  switch (node.name) {
    case "address":
      return { kind: "address", headers: headerNames(args, 0, true), part: addressPartOf(args), match: matchOf(ctx, node, args, keysAt(1)) };
    case "envelope": {
      const parts = listOf(args.positional[0]!.value).map((p) => {
        const part = p.toLowerCase();
        if (part !== "from" && part !== "to") fail(args.positional[0]!.at, `envelope part "${p}" is not supported (only "from" and "to")`);
        return part;
      });
      return { kind: "envelope", parts, part: addressPartOf(args), match: matchOf(ctx, node, args, keysAt(1)) };
    }
    case "header":
      return { kind: "header", headers: headerNames(args, 0, false), match: matchOf(ctx, node, args, keysAt(1)) };
    case "exists":
      return { kind: "exists", headers: headerNames(args, 0, false) };
    case "size":
      if (args.tags.size === 0) fail(node, "size needs :over or :under");
      return { kind: "size", over: args.tags.has("over"), limit: args.positional[0]!.value as number };
    case "body":
      return { kind: "body", transform: transformOf(args), match: matchOf(ctx, node, args, keysAt(0)) };
    case "hasflag":
      return { kind: "hasflag", match: matchOf(ctx, node, args, keysAt(0)) };
    case "mailboxexists":
      return { kind: "mailboxexists", mailboxes: keysAt(0) };
    default:
      return { kind: "constant", value: node.name === "true" };
  }
}

function transformOf(args: ReadArgs): BodyTransform {
  if (args.tags.has("raw")) return { kind: "raw" };
  const content = args.tags.get("content");
  if (content !== undefined) return { kind: "content", types: listOf(content.value).map((t) => t.toLowerCase()) };
  return { kind: "text" }; // RFC 5173 §5: :text is the default transform
}

/** The typed form of a test; throws at the first error. */
export function checkTest(ctx: CheckContext, node: TestNode): Test {
  if (node.name === "not") {
    if (node.args.length > 0 || node.tests.length !== 1 || node.testList) fail(node, "'not' takes exactly one test");
    return { kind: "not", test: checkTest(ctx, node.tests[0]!) };
  }
  if (node.name === "allof" || node.name === "anyof") {
    if (node.args.length > 0 || !node.testList) fail(node, `'${node.name}' takes a test list in parentheses`);
    return { kind: node.name, tests: node.tests.map((t) => checkTest(ctx, t)) };
  }
  const argSpec = SPECS[node.name];
  if (argSpec === undefined) fail(node, `unknown test '${node.name}'`);
  const ext = TEST_EXTENSIONS[node.name];
  if (ext !== undefined) ctx.needs(ext, node, `the ${node.name} test`);
  noTests(node);
  return leafTest(ctx, node, readArgs(ctx, node, argSpec));
}
