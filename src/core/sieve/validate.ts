// Checking commands (RFC 5228 §3-4 and the action extensions) and turning the syntax tree
// into the program: require first and only known extensions, if/elsif/else chains, every
// command's arguments, literal redirect and vacation addresses well formed.
import { CheckContext, fail, listOf, readArgs, stringOf, type ArgSpec, type ReadArgs } from "./args.js";
import { parseAddressList } from "./address-list.js";
import type { CommandNode, Position } from "./parser.js";
import type { Branch, Command } from "./program.js";
import { sieveExtensions } from "./types.js";
import { checkTest } from "./validate-tests.js";

// RFC 5228 §2.7.3: the two base comparators are always there, and requiring them is allowed.
const KNOWN_EXTENSIONS = new Set<string>([...sieveExtensions, "comparator-i;octet", "comparator-i;ascii-casemap"]);

const DAY = 86_400;

const spec = (tags: ArgSpec["tags"], positional: ArgSpec["positional"]): ArgSpec => ({ tags, positional });
const FLAGS_TAG = { flags: { arg: "strings", ext: "imap4flags" } } as const;
const SPECS: Record<string, ArgSpec> = {
  stop: spec({}, []),
  keep: spec(FLAGS_TAG, []),
  discard: spec({}, []),
  redirect: spec({ copy: { ext: "copy" } }, ["string"]),
  fileinto: spec({ ...FLAGS_TAG, copy: { ext: "copy" }, create: { ext: "mailbox" } }, ["string"]),
  reject: spec({}, ["string"]),
  ereject: spec({}, ["string"]),
  setflag: spec({}, ["strings"]),
  addflag: spec({}, ["strings"]),
  removeflag: spec({}, ["strings"]),
  vacation: spec(
    {
      days: { arg: "number", group: "period" },
      seconds: { arg: "number", group: "period", ext: "vacation-seconds" },
      subject: { arg: "string" },
      from: { arg: "string" },
      addresses: { arg: "strings" },
      mime: {},
      handle: { arg: "string" },
    },
    ["string"],
  ),
};

const COMMAND_EXTENSIONS: Record<string, string> = {
  fileinto: "fileinto", reject: "reject", ereject: "ereject", vacation: "vacation",
  setflag: "imap4flags", addflag: "imap4flags", removeflag: "imap4flags",
};

/** The addr-spec of a literal mailbox ("Name <a@b>" → "a@b"); fails unless exactly one. */
function mailboxOf(value: string, at: Position, what: string): string {
  const list = parseAddressList(value);
  const only = list[0];
  if (list.length !== 1 || only === undefined || !only.valid || only.domain === "") fail(at, `${what} "${value}" is not a valid address`);
  return `${only.localpart}@${only.domain}`;
}

function flagsTag(args: ReadArgs): readonly string[] | null {
  const given = args.tags.get("flags");
  return given === undefined ? null : listOf(given.value);
}

/** A command without its position, one member of the union at a time. */
type ActionBody = Command extends infer C ? (C extends unknown ? Omit<C, "line" | "column"> : never) : never;

function vacationOf(args: ReadArgs): Extract<ActionBody, { kind: "vacation" }> {
  const tag = (name: string) => args.tags.get(name);
  const from = tag("from");
  if (from !== undefined) mailboxOf(stringOf(from.value), from.at, ":from");
  const addresses = listOf(tag("addresses")?.value);
  for (const a of addresses) mailboxOf(a, tag("addresses")!.at, ":addresses");
  const days = tag("days")?.value;
  const seconds = tag("seconds")?.value;
  // RFC 5230 §4.1: :days is at least 1; RFC 6131 §2: :seconds 0 means every time.
  const periodSeconds = typeof seconds === "number" ? seconds : Math.max(1, typeof days === "number" ? days : 7) * DAY;
  const subject = tag("subject");
  const handle = tag("handle");
  return {
    kind: "vacation",
    vacation: {
      reason: stringOf(args.positional[0]?.value),
      mime: args.tags.has("mime"),
      subject: subject === undefined ? null : stringOf(subject.value),
      from: from === undefined ? null : stringOf(from.value),
      addresses,
      periodSeconds,
      handle: handle === undefined ? null : stringOf(handle.value),
    },
  };
}

function actionOf(node: CommandNode, args: ReadArgs, redirects: string[]): ActionBody {
  const first = args.positional[0];
  switch (node.name) {
    case "stop":
    case "discard":
      return { kind: node.name };
    case "keep":
      return { kind: "keep", flags: flagsTag(args) };
    case "redirect": {
      const address = mailboxOf(stringOf(first!.value), first!.at, "redirect address");
      redirects.push(address);
      return { kind: "redirect", address, copy: args.tags.has("copy") };
    }
    case "fileinto": {
      const mailbox = stringOf(first!.value);
      if (mailbox === "") fail(first!.at, "fileinto needs a mailbox name");
      return { kind: "fileinto", mailbox, flags: flagsTag(args), copy: args.tags.has("copy"), create: args.tags.has("create") };
    }
    case "reject":
    case "ereject":
      return { kind: "reject", reason: stringOf(first!.value), ereject: node.name === "ereject" };
    case "setflag":
    case "addflag":
    case "removeflag":
      return { kind: "flags", op: node.name === "setflag" ? "set" : node.name === "addflag" ? "add" : "remove", flags: listOf(first!.value) };
    default:
      return vacationOf(args);
  }
}

class Checker {
  readonly redirects: string[] = [];

  constructor(private readonly ctx: CheckContext) {}

  block(nodes: readonly CommandNode[]): Command[] {
    const out: Command[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.name === "if") {
        let j = i + 1;
        while (nodes[j]?.name === "elsif") j++;
        const hasElse = nodes[j]?.name === "else";
        out.push(this.ifChain(nodes.slice(i, j), hasElse ? nodes[j]! : null));
        i = hasElse ? j : j - 1;
      } else out.push(this.command(node));
    }
    return out;
  }

  private ifChain(branches: readonly CommandNode[], otherwise: CommandNode | null): Command {
    const checked: Branch[] = branches.map((node) => {
      if (node.args.length > 0) fail(node.args[0]!, `'${node.name}' takes only a test and a block`);
      if (node.tests.length !== 1 || node.testList) fail(node, `'${node.name}' needs exactly one test`);
      if (node.block === null) fail(node, `'${node.name}' needs a block`);
      return { test: checkTest(this.ctx, node.tests[0]!), body: this.block(node.block) };
    });
    let elseBody: Command[] | null = null;
    if (otherwise !== null) {
      if (otherwise.args.length > 0 || otherwise.tests.length > 0) fail(otherwise, "'else' takes only a block");
      if (otherwise.block === null) fail(otherwise, "'else' needs a block");
      elseBody = this.block(otherwise.block);
    }
    const first = branches[0]!;
    return { kind: "if", branches: checked, otherwise: elseBody, line: first.line, column: first.column };
  }

  private command(node: CommandNode): Command {
    if (node.name === "elsif" || node.name === "else") fail(node, `'${node.name}' without a preceding 'if'`);
    if (node.name === "require") fail(node, "'require' must come before every other command");
    const argSpec = SPECS[node.name];
    if (argSpec === undefined) fail(node, `unknown command '${node.name}'`);
    const ext = COMMAND_EXTENSIONS[node.name];
    if (ext !== undefined) this.ctx.needs(ext, node, `'${node.name}'`);
    if (node.tests.length > 0) fail(node.tests[0]!, `'${node.name}' takes no test`);
    if (node.block !== null) fail(node, `'${node.name}' takes no block`);
    const args = readArgs(this.ctx, node, argSpec);
    return { ...actionOf(node, args, this.redirects), line: node.line, column: node.column } as Command;
  }
}

/** The extensions of the leading require commands (RFC 5228 §3.2), and where the rest starts. */
function readRequires(nodes: readonly CommandNode[]): { requires: string[]; rest: readonly CommandNode[] } {
  const requires: string[] = [];
  let i = 0;
  for (; i < nodes.length && nodes[i]!.name === "require"; i++) {
    const node = nodes[i]!;
    if (node.block !== null || node.tests.length > 0) fail(node, "'require' takes only a string list");
    const args = readArgs(new CheckContext(new Set()), node, spec({}, ["strings"]));
    for (const name of listOf(args.positional[0]!.value)) {
      // Capability names are compared exactly, as Pigeonhole and Cyrus do.
      if (!KNOWN_EXTENSIONS.has(name)) fail(args.positional[0]!.at, `unknown extension "${name}"`);
      if (!requires.includes(name)) requires.push(name);
    }
  }
  return { requires, rest: nodes.slice(i) };
}

/** The checked program of a parsed script; throws SieveSyntaxError at the first error. */
export function checkScript(nodes: readonly CommandNode[]): { commands: Command[]; requires: string[]; redirectTargets: string[] } {
  const { requires, rest } = readRequires(nodes);
  const checker = new Checker(new CheckContext(new Set(requires)));
  const commands = checker.block(rest);
  return { commands, requires, redirectTargets: [...new Set(checker.redirects)] };
}
