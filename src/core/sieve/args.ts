// Reading a command's or test's arguments against its declared shape (RFC 5228 §2.6):
// tagged arguments first, in any order, each at most once and at most one per group (one
// match type, one comparator, ...); then the positional arguments with their types. Also the
// checks every command shares: extensions named in require, no stray tests or blocks.
import { SieveSyntaxError } from "./lexer.js";
import { decodeEncodedCharacters } from "./encoded.js";
import type { Argument, Position } from "./parser.js";

export type ArgType = "string" | "strings" | "number";

export interface TagSpec {
  /** The argument the tag takes, if any. */
  readonly arg?: ArgType;
  /** Tags of one group exclude each other (e.g. the match types). */
  readonly group?: string;
  /** The extension that must be required for this tag. */
  readonly ext?: string;
}

export interface ArgSpec {
  readonly tags: Readonly<Record<string, TagSpec>>;
  readonly positional: readonly ArgType[];
}

export type ArgValue = string | readonly string[] | number | null;

export interface ReadArgs {
  /** Tag name → its argument (null for a tag without one) and where it was written. */
  readonly tags: ReadonlyMap<string, { readonly value: ArgValue; readonly at: Position }>;
  readonly positional: readonly { readonly value: ArgValue; readonly at: Position }[];
}

export function fail(at: Position, message: string): never {
  throw new SieveSyntaxError(at.line, at.column, message);
}

/** What the checker knows while it walks the script. */
export class CheckContext {
  constructor(readonly requires: ReadonlySet<string>) {}

  needs(ext: string, at: Position, what: string): void {
    if (!this.requires.has(ext)) fail(at, `${what} needs require "${ext}"`);
  }

  /** A string as the script means it: encoded characters decoded when that is required. */
  decode(value: string, at: Position): string {
    if (!this.requires.has("encoded-character")) return value;
    const decoded = decodeEncodedCharacters(value);
    if (!decoded.ok) fail(at, decoded.error);
    return decoded.value;
  }
}

const TYPE_NAMES: Record<ArgType, string> = { string: "a string", strings: "a string or string list", number: "a number" };

function describe(arg: Argument): string {
  if (arg.kind === "tag") return `tag :${arg.name}`;
  if (arg.kind === "number") return "a number";
  return arg.list ? "a string list" : "a string";
}

function valueOf(ctx: CheckContext, arg: Argument | undefined, type: ArgType, at: Position, what: string): ArgValue {
  if (arg === undefined) fail(at, `${what} expects ${TYPE_NAMES[type]}, but it is missing`);
  const ok = type === "number" ? arg.kind === "number" : arg.kind === "strings" && (type === "strings" || !arg.list);
  if (!ok) fail(arg, `${what} expects ${TYPE_NAMES[type]}, not ${describe(arg)}`);
  if (arg.kind === "number") return arg.value;
  if (arg.kind !== "strings") return null;
  const values = arg.values.map((v) => ctx.decode(v, arg));
  return type === "string" ? values[0]! : values;
}

/** The arguments of `node` read against `spec`; throws at the first misfit. */
export function readArgs(ctx: CheckContext, node: Position & { name: string; args: readonly Argument[] }, spec: ArgSpec): ReadArgs {
  const tags = new Map<string, { value: ArgValue; at: Position }>();
  const groups = new Map<string, string>();
  let i = 0;
  for (; i < node.args.length && node.args[i]!.kind === "tag"; i++) {
    const tag = node.args[i] as Argument & { kind: "tag" };
    const tagSpec = spec.tags[tag.name];
    if (tagSpec === undefined) fail(tag, `'${node.name}' has no tag :${tag.name}`);
    if (tagSpec.ext !== undefined) ctx.needs(tagSpec.ext, tag, `:${tag.name}`);
    if (tags.has(tag.name)) fail(tag, `tag :${tag.name} given twice`);
    if (tagSpec.group !== undefined) {
      const other = groups.get(tagSpec.group);
      if (other !== undefined) fail(tag, `:${tag.name} cannot be used with :${other}`);
      groups.set(tagSpec.group, tag.name);
    }
    const value = tagSpec.arg === undefined ? null : valueOf(ctx, node.args[++i], tagSpec.arg, tag, `:${tag.name}`);
    tags.set(tag.name, { value, at: tag });
  }
  const positional: { value: ArgValue; at: Position }[] = [];
  for (const type of spec.positional) {
    const arg = node.args[i++];
    if (arg?.kind === "tag") fail(arg, `'${node.name}' has no tag :${arg.name} here (tags come before other arguments)`);
    positional.push({ value: valueOf(ctx, arg, type, arg ?? node, `'${node.name}'`), at: arg ?? node });
  }
  const extra = node.args[i];
  if (extra !== undefined) fail(extra, `'${node.name}' does not take ${describe(extra)} here`);
  return { tags, positional };
}

export function stringOf(value: ArgValue | undefined): string {
  return typeof value === "string" ? value : "";
}

export function listOf(value: ArgValue | undefined): readonly string[] {
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}
