// From a framed command (text segments around literals) to typed arguments (RFC 3501 §4, §9):
// atoms, NIL, quoted strings, literals and parenthesised lists. Nesting is tracked with an
// explicit stack capped at maxDepth, so "((((…))))" cannot overflow the call stack (test plan
// IMAP-14). A fetch attribute's "[section]<partial>" is kept inside its atom, spaces and all
// ("BODY.PEEK[HEADER.FIELDS (From To)]<0.100>"), as the grammar treats it as one item.
import { bad, ImapParseError } from "./codes.js";

export interface Literal {
  readonly bytes: Buffer;
  readonly form: "literal" | "literal8";
}

export type ImapArg =
  | { readonly type: "atom"; readonly value: string }
  | { readonly type: "string"; readonly value: Buffer; readonly form: "quoted" | "literal" | "literal8" }
  /** NIL, with the client's spelling: where a string may be an atom (astring), it is the text "NIL". */
  | { readonly type: "nil"; readonly value: string }
  | { readonly type: "list"; readonly items: readonly ImapArg[] };

export interface ImapCommand {
  readonly tag: string;
  /** Upper-case command name; for "UID FETCH" the name is FETCH and uid is true. */
  readonly name: string;
  readonly uid: boolean;
  readonly args: readonly ImapArg[];
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
/** A tag: ASTRING-CHAR except "+" (RFC 3501 §9). */
export const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c-\x7e]+$/;
const NAME = /^[A-Z][A-Z0-9-]*$/;

/** A quoted string from its opening quote: RFC 3501 quoted-specials are the only escapes. */
function readQuoted(text: Buffer, start: number): { value: Buffer; end: number } {
  const pieces: Buffer[] = [];
  let from = start + 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === DQUOTE) {
      pieces.push(text.subarray(from, i));
      return { value: Buffer.concat(pieces), end: i + 1 };
    }
    // CVE-2019-11500: NUL (and CR, LF) have no place in a quoted string.
    if (c === 0x00 || c === 0x0d || c === 0x0a) throw bad("Invalid character in quoted string");
    if (c === BACKSLASH) {
      const next = text[i + 1];
      if (next !== DQUOTE && next !== BACKSLASH) throw bad("Invalid escape in quoted string");
      pieces.push(text.subarray(from, i));
      from = i + 1;
      i++;
    }
  }
  throw bad("Unterminated quoted string");
}

/** The end of an atom; "[...]" spans spaces and parentheses (section-spec), "<...>" follows it. */
function atomEnd(text: Buffer, start: number): number {
  let inBracket = false;
  let i = start;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c < 0x20 || c >= 0x7f) throw bad("Invalid character in atom");
    if (inBracket) {
      if (c === 0x5d) inBracket = false;
      continue;
    }
    if (c === SP || c === LPAREN || c === RPAREN || c === DQUOTE) break;
    if (c === 0x7b) throw bad("Unexpected '{'"); // literal markers end a line; this is not one
    if (c === 0x5b && text.indexOf(0x5d, i) >= 0) inBracket = true;
  }
  return i;
}

function literalAt(text: Buffer, next: Buffer | undefined): void {
  const before = text[text.length - 1];
  if (before !== undefined && before !== SP && before !== LPAREN) throw bad("A literal must follow a space");
  const after = next?.[0];
  if (after !== undefined && after !== SP && after !== RPAREN) throw bad("A literal must be followed by a space");
}

/** Typed arguments of a framed command; throws ImapParseError (BAD) on bad syntax. */
export function tokenize(segments: readonly Buffer[], literals: readonly Literal[], maxDepth: number): ImapArg[] {
  const root: ImapArg[] = [];
  const stack: ImapArg[][] = [root];
  for (let s = 0; s < segments.length; s++) {
    const text = segments[s]!;
    let needSpace = false;
    for (let i = 0; i < text.length; ) {
      const c = text[i]!;
      const items = stack[stack.length - 1]!;
      if (c === SP) {
        needSpace = false;
        i++;
      } else if (c === RPAREN) {
        if (stack.length === 1) throw bad("Unexpected ')'");
        stack.pop();
        needSpace = true;
        i++;
      } else if (needSpace) {
        throw bad("Missing space between arguments");
      } else if (c === LPAREN) {
        if (stack.length > maxDepth) throw bad("Too many nested parentheses");
        const list: ImapArg[] = [];
        items.push({ type: "list", items: list });
        stack.push(list);
        i++;
      } else if (c === DQUOTE) {
        const { value, end } = readQuoted(text, i);
        items.push({ type: "string", value, form: "quoted" });
        needSpace = true;
        i = end;
      } else {
        const end = atomEnd(text, i);
        const value = text.subarray(i, end).toString("latin1");
        items.push(value.toUpperCase() === "NIL" ? { type: "nil", value } : { type: "atom", value });
        needSpace = true;
        i = end;
      }
    }
    const literal = literals[s];
    if (literal !== undefined) {
      literalAt(text, segments[s + 1]);
      stack[stack.length - 1]!.push({ type: "string", value: literal.bytes, form: literal.form });
    }
  }
  if (stack.length !== 1) throw bad("Unbalanced parentheses");
  return root;
}

function atomValue(arg: ImapArg | undefined): string | null {
  return arg?.type === "atom" ? arg.value : null;
}

/** A command from a framed command: tag, name (UID folded into a flag) and arguments. */
export function tokenizeCommand(
  segments: readonly Buffer[],
  literals: readonly Literal[],
  maxDepth: number,
): { readonly command: ImapCommand } | { readonly error: ImapParseError } {
  try {
    const args = tokenize(segments, literals, maxDepth);
    const tag = atomValue(args[0]);
    if (tag === null || !TAG.test(tag)) throw bad("Invalid tag");
    const first = atomValue(args[1])?.toUpperCase() ?? null;
    const uid = first === "UID";
    const name = uid ? (atomValue(args[2])?.toUpperCase() ?? null) : first;
    if (name === null || !NAME.test(name)) throw bad("Missing or invalid command name");
    return { command: { tag, name, uid, args: args.slice(uid ? 3 : 2) } };
  } catch (err) {
    if (err instanceof ImapParseError) return { error: err };
    throw err;
  }
}
