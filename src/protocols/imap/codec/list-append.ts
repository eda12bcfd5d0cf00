// LIST / LSUB (RFC 3501 §6.3.8–9, RFC 5258 LIST-EXTENDED minimal, RFC 6154 SPECIAL-USE) and
// APPEND (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND, RFC 3516 literal8). APPEND's message must be
// a literal; anything else where a flag list, date-time or literal should be is BAD at once
// (CVE-2013-2111: invalid APPEND parameters looped Dovecot; test plan IMAP-16).
import { ArgReader, argText, parseFlagList } from "./args.js";
import { bad } from "./codes.js";
import { parseImapDateTime, type ImapDateTime } from "./dates.js";
import type { ImapArg } from "./lexer.js";
import { parseListPattern, parseMailbox } from "./mailbox.js";
import type { CodecOptions } from "./select.js";

export type ListSelection = "SUBSCRIBED" | "REMOTE" | "RECURSIVEMATCH" | "SPECIAL-USE";
export type ListReturn = "SUBSCRIBED" | "CHILDREN" | "SPECIAL-USE";

export interface ListArgs {
  readonly selection: readonly ListSelection[];
  /** The reference name, decoded (RFC 3501 §6.3.8). */
  readonly reference: string;
  /** Patterns, each already joined to the reference; "" asks for the hierarchy separator. */
  readonly patterns: readonly string[];
  readonly returns: readonly ListReturn[];
  /** RFC 5258 §3: an extended LIST (selection options, several patterns or RETURN). */
  readonly extended: boolean;
}

const SELECTIONS = new Set(["SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"]);
const RETURNS = new Set(["SUBSCRIBED", "CHILDREN", "SPECIAL-USE"]);

function options<T extends string>(items: readonly ImapArg[], allowed: Set<string>, what: string): T[] {
  return [
    ...new Set(
      items.map((item) => {
        const name = item.type === "atom" ? item.value.toUpperCase() : "";
        if (!allowed.has(name)) throw bad(`Invalid ${what}`);
        return name as T;
      }),
    ),
  ];
}

/** Reference and pattern are concatenated, as Dovecot does (RFC 3501 §6.3.8 leaves it to the server). */
function joined(reference: string, pattern: string): string {
  return pattern === "" ? "" : reference + pattern;
}

/** LIST [(selection)] reference pattern|(patterns) [RETURN (options)]. */
export function parseList(args: readonly ImapArg[], opts: CodecOptions = {}): ListArgs {
  const reader = new ArgReader(args);
  const selectionList = reader.optionalList();
  const selection = options<ListSelection>(selectionList ?? [], SELECTIONS, "LIST selection option");
  // RFC 5258 §3.1: RECURSIVEMATCH needs an option to modify (REMOTE does not count).
  if (selection.includes("RECURSIVEMATCH") && !selection.some((o) => o !== "RECURSIVEMATCH" && o !== "REMOTE")) throw bad("RECURSIVEMATCH needs another selection option");
  const reference = parseListPattern(reader.take("reference name"), opts.utf8Accept);
  const patternArg = reader.take("mailbox pattern");
  const raw = patternArg.type === "list" ? patternArg.items : [patternArg];
  if (raw.length === 0) throw bad("Expected a mailbox pattern");
  const patterns = raw.map((p) => joined(reference, parseListPattern(p, opts.utf8Accept)));
  patterns.forEach(checkJoined);
  let returns: ListReturn[] = [];
  if (!reader.done) {
    if (reader.atom("RETURN").toUpperCase() !== "RETURN") throw bad("Expected RETURN");
    returns = options<ListReturn>(reader.list("RETURN options"), RETURNS, "LIST return option");
  }
  reader.end();
  const extended = selectionList !== null || patternArg.type === "list" || returns.length > 0;
  return { selection, reference, patterns, returns, extended };
}

/** A joined pattern gets the same ".." check as its parts ("../" + "*" is "../*"). */
function checkJoined(pattern: string): void {
  if (pattern.split("/").some((c) => c === "." || c === "..")) throw bad("'.' and '..' are not allowed in mailbox patterns");
}

/** LSUB reference pattern (RFC 3501 §6.3.9). */
export function parseLsub(args: readonly ImapArg[], opts: CodecOptions = {}): { reference: string; pattern: string } {
  const reader = new ArgReader(args);
  const reference = parseListPattern(reader.take("reference name"), opts.utf8Accept);
  const pattern = joined(reference, parseListPattern(reader.take("mailbox pattern"), opts.utf8Accept));
  reader.end();
  checkJoined(pattern);
  return { reference, pattern };
}

export interface AppendMessage {
  readonly flags: readonly string[];
  readonly date: ImapDateTime | null;
  readonly message: Buffer;
  /** Sent as literal8 (RFC 3516 §4.4): the message may hold NUL and binary parts. */
  readonly binary: boolean;
}

function appendMessage(reader: ArgReader): AppendMessage {
  const flagArg = reader.peek()?.type === "list" ? reader.take() : null;
  const flags = flagArg === null ? [] : parseFlagList(flagArg);
  const next = reader.peek();
  let date: ImapDateTime | null = null;
  if (next?.type === "string" && next.form === "quoted") date = parseImapDateTime(argText(reader.take(), "date-time"));
  const data = reader.take("message literal");
  if (data.type !== "string" || data.form === "quoted") throw bad("The message must be a literal");
  return { flags, date, message: data.value, binary: data.form === "literal8" };
}

/** APPEND mailbox [flags] [date-time] literal, repeated under MULTIAPPEND (RFC 3502 §6.3.11). */
export function parseAppend(args: readonly ImapArg[], opts: CodecOptions & { multiAppend?: boolean } = {}): { mailbox: string; messages: AppendMessage[] } {
  const reader = new ArgReader(args);
  const mailbox = parseMailbox(reader.take("mailbox name"), opts.utf8Accept);
  const messages = [appendMessage(reader)];
  while (!reader.done && opts.multiAppend === true) messages.push(appendMessage(reader));
  reader.end();
  return { mailbox, messages };
}
