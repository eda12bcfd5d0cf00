// Reading typed values out of a command's arguments (RFC 3501 §9 formal syntax): astring,
// nstring, number, nz-number, mod-sequence-value (RFC 7162 §7) and flags. Each command's
// parser walks its arguments with an ArgReader; every mistake is an ImapParseError (BAD).
import { bad } from "./codes.js";
import type { ImapArg } from "./lexer.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });
export const MAX_NUMBER = 4294967295; // number, nz-number: 32-bit (RFC 3501 §9)
export const MAX_MODSEQ = 9223372036854775807n; // mod-sequence-value: 63-bit (RFC 7162 §7)

/** The text of an atom or string. Strings must be UTF-8 and may not hold NUL (CVE-2019-11500 class). */
export function argText(arg: ImapArg | undefined, what = "argument"): string {
  // NIL is an atom like any other where a string may be one (astring, RFC 3501 §9): SEARCH
  // SUBJECT NIL looks for "NIL", LIST "" NIL lists a mailbox named so (imaptest's nil script).
  if (arg?.type === "atom" || arg?.type === "nil") return arg.value;
  if (arg?.type !== "string") throw bad(`Expected ${what}`);
  if (arg.value.includes(0)) throw bad(`NUL in ${what}`);
  try {
    return utf8.decode(arg.value);
  } catch {
    throw bad(`Invalid UTF-8 in ${what}`);
  }
}

/** A decimal number within [min, max]; no sign, no leading "+", at most 20 digits. */
export function parseNumber(text: string, min = 0, max = MAX_NUMBER): number {
  if (!/^\d{1,20}$/.test(text)) throw bad(`Invalid number "${text.slice(0, 20)}"`);
  const value = Number(text);
  if (value < min || value > max) throw bad(`Number out of range: ${text.slice(0, 20)}`);
  return value;
}

/** mod-sequence-value (RFC 7162 §7): 1*DIGIT up to 2^63-1; `allowZero` for mod-sequence-valzer. */
export function parseModSeq(text: string, allowZero = false): bigint {
  if (!/^\d{1,19}$/.test(text)) throw bad("Invalid mod-sequence");
  const value = BigInt(text);
  if (value > MAX_MODSEQ || (value === 0n && !allowZero)) throw bad("Mod-sequence out of range");
  return value;
}

const SYSTEM_FLAGS = new Map(["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent"].map((f) => [f.toUpperCase(), f]));
// A keyword is an atom (RFC 3501 §9 flag-keyword): no atom-specials.
// eslint-disable-next-line no-control-regex
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/**
 * A flag in canonical spelling: system flags are case-insensitive and written as RFC 3501
 * §2.3.2 spells them; keywords are kept as sent. `\Recent` may be searched but never stored,
 * and unknown "\"-flags (flag-extension) are refused as Dovecot does.
 */
export function parseFlag(text: string, allowRecent = false): string {
  if (text.startsWith("\\")) {
    const flag = SYSTEM_FLAGS.get(text.toUpperCase());
    if (flag === undefined || (flag === "\\Recent" && !allowRecent)) throw bad(`Invalid system flag ${text.slice(0, 40)}`);
    return flag;
  }
  if (!KEYWORD.test(text) || text.length > 255) throw bad("Invalid keyword");
  return text;
}

/** flag-list "(" [flag *(SP flag)] ")", duplicates removed. */
export function parseFlagList(arg: ImapArg | undefined): string[] {
  if (arg?.type !== "list") throw bad("Expected a flag list");
  return flagAtoms(arg.items);
}

export function flagAtoms(items: readonly ImapArg[]): string[] {
  const flags = items.map((item) => {
    if (item.type !== "atom") throw bad("Expected a flag");
    return parseFlag(item.value);
  });
  return [...new Set(flags)];
}

/** A cursor over a command's arguments. */
export class ArgReader {
  private index = 0;

  constructor(private readonly args: readonly ImapArg[]) {}

  get done(): boolean {
    return this.index >= this.args.length;
  }

  peek(): ImapArg | undefined {
    return this.args[this.index];
  }

  take(what = "argument"): ImapArg {
    const arg = this.args[this.index++];
    if (arg === undefined) throw bad(`Missing ${what}`);
    return arg;
  }

  atom(what = "argument"): string {
    const arg = this.take(what);
    if (arg.type !== "atom") throw bad(`Expected ${what}`);
    return arg.value;
  }

  /** astring: atom or string (RFC 3501 §9). */
  astring(what = "argument"): string {
    const arg = this.take(what);
    if (arg.type === "list") throw bad(`Expected ${what}`);
    return argText(arg, what);
  }

  list(what = "list"): readonly ImapArg[] {
    const arg = this.take(what);
    if (arg.type !== "list") throw bad(`Expected ${what}`);
    return arg.items;
  }

  /** The next argument when it is a list, else nothing is consumed. */
  optionalList(): readonly ImapArg[] | null {
    const arg = this.peek();
    if (arg?.type !== "list") return null;
    this.index++;
    return arg.items;
  }

  number(what = "number", min = 0): number {
    return parseNumber(this.atom(what), min);
  }

  end(): void {
    if (!this.done) throw bad("Too many arguments");
  }
}

/** For commands that take no arguments (NOOP, CAPABILITY, …): extra ones are BAD (IMAP-06). */
export function parseNoArgs(args: readonly ImapArg[]): void {
  new ArgReader(args).end();
}
