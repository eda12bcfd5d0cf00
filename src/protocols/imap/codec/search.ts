// SEARCH keys (RFC 3501 §6.4.4) into a typed tree, plus MODSEQ (RFC 7162 §3.1.5), "$"
// (RFC 5182) and RETURN options (RFC 4731 ESEARCH). Shorthands are expanded so the evaluator
// knows fewer keys: FROM x is a header key, NEW is RECENT UNSEEN, UNSEEN is NOT SEEN. Nesting
// (NOT, OR, parentheses) is capped, so "OR OR OR …" × 100k is BAD, not a stack overflow
// (test plan IMAP-14). CHARSET other than UTF-8/US-ASCII is NO [BADCHARSET (…)] (§6.4.4).
import { ArgReader, argText, parseFlag, parseModSeq, parseNumber } from "./args.js";
import { bad, refuse, searchCharsets } from "./codes.js";
import { dateKey, parseImapDate, type ImapDate } from "./dates.js";
import type { ImapArg } from "./lexer.js";
import { isSequenceSetText, parseSequenceSet, type SequenceSet } from "./sequence.js";

export type SearchKey =
  | { readonly op: "all" }
  | { readonly op: "flag"; readonly flag: string; readonly set: boolean }
  | { readonly op: "header"; readonly field: string; readonly value: string }
  | { readonly op: "body" | "text"; readonly value: string }
  | { readonly op: "date"; readonly field: "internal" | "sent"; readonly cmp: "before" | "on" | "since"; readonly date: ImapDate; readonly key: number }
  | { readonly op: "size"; readonly cmp: "larger" | "smaller"; readonly size: number }
  | { readonly op: "seq" | "uid"; readonly set: SequenceSet }
  | { readonly op: "modseq"; readonly modseq: bigint; readonly entry: { readonly name: string; readonly type: "priv" | "shared" | "all" } | null }
  | { readonly op: "not"; readonly key: SearchKey }
  | { readonly op: "or"; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly op: "and"; readonly keys: readonly SearchKey[] };

export type SearchReturn = "MIN" | "MAX" | "ALL" | "COUNT" | "SAVE";

export interface SearchArgs {
  /** RETURN (…) options (RFC 4731); null for a plain SEARCH. An empty list means ALL. */
  readonly returns: readonly SearchReturn[] | null;
  readonly charset: string | null;
  readonly key: SearchKey;
}

export const MAX_SEARCH_DEPTH = 64;
const RETURNS = new Set(["MIN", "MAX", "ALL", "COUNT", "SAVE"]);

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ["\\Answered", true], UNANSWERED: ["\\Answered", false],
  DELETED: ["\\Deleted", true], UNDELETED: ["\\Deleted", false],
  DRAFT: ["\\Draft", true], UNDRAFT: ["\\Draft", false],
  FLAGGED: ["\\Flagged", true], UNFLAGGED: ["\\Flagged", false],
  SEEN: ["\\Seen", true], UNSEEN: ["\\Seen", false],
  RECENT: ["\\Recent", true], OLD: ["\\Recent", false],
};
const HEADER_KEYS: Record<string, string> = { BCC: "Bcc", CC: "Cc", FROM: "From", SUBJECT: "Subject", TO: "To" };
const DATE_KEYS: Record<string, ["internal" | "sent", "before" | "on" | "since"]> = {
  BEFORE: ["internal", "before"], ON: ["internal", "on"], SINCE: ["internal", "since"],
  SENTBEFORE: ["sent", "before"], SENTON: ["sent", "on"], SENTSINCE: ["sent", "since"],
};
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/; // RFC 5322 ftext

function andOf(keys: SearchKey[]): SearchKey {
  return keys.length === 1 ? keys[0]! : { op: "and", keys };
}

function modseqKey(args: ArgReader): SearchKey {
  const first = args.take("mod-sequence");
  if (first.type === "atom" && /^\d+$/.test(first.value)) return { op: "modseq", modseq: parseModSeq(first.value, true), entry: null };
  // search-modsequence: "/flags/<flag>" entry-type-req mod-sequence-valzer (RFC 7162 §3.1.5).
  const name = argText(first, "entry name");
  const type = args.atom("entry type").toLowerCase();
  if (!/^\/flags\/\S+$/i.test(name) || (type !== "priv" && type !== "shared" && type !== "all")) throw bad("Invalid MODSEQ entry");
  parseFlag(name.slice("/flags/".length), true);
  return { op: "modseq", modseq: parseModSeq(args.atom("mod-sequence"), true), entry: { name, type } };
}

function keyOf(args: ArgReader, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) throw bad("Search keys nested too deeply");
  const arg = args.take("search key");
  if (arg.type === "list") return groupOf(new ArgReader(arg.items), depth + 1);
  if (arg.type !== "atom") throw bad("Expected a search key");
  const name = arg.value.toUpperCase();
  const flag = FLAG_KEYS[name];
  if (flag !== undefined) return { op: "flag", flag: flag[0], set: flag[1] };
  const header = HEADER_KEYS[name];
  if (header !== undefined) return { op: "header", field: header, value: args.astring("search string") };
  const date = DATE_KEYS[name];
  if (date !== undefined) {
    const value = parseImapDate(args.astring("date"));
    return { op: "date", field: date[0], cmp: date[1], date: value, key: dateKey(value) };
  }
  switch (name) {
    case "ALL":
      return { op: "all" };
    case "NEW":
      return { op: "and", keys: [{ op: "flag", flag: "\\Recent", set: true }, { op: "flag", flag: "\\Seen", set: false }] };
    case "KEYWORD":
    case "UNKEYWORD": {
      const keyword = args.atom("keyword");
      if (keyword.startsWith("\\")) throw bad("KEYWORD takes a keyword, not a system flag");
      return { op: "flag", flag: parseFlag(keyword), set: name === "KEYWORD" };
    }
    case "BODY":
    case "TEXT":
      return { op: name === "BODY" ? "body" : "text", value: args.astring("search string") };
    case "HEADER": {
      const field = args.astring("header name");
      if (!HEADER_NAME.test(field)) throw bad("Invalid header name");
      return { op: "header", field, value: args.astring("search string") };
    }
    case "LARGER":
    case "SMALLER":
      return { op: "size", cmp: name === "LARGER" ? "larger" : "smaller", size: parseNumber(args.atom("size"), 0, Number.MAX_SAFE_INTEGER) };
    case "UID":
      return { op: "uid", set: parseSequenceSet(args.atom("UID set")) };
    case "NOT":
      return { op: "not", key: keyOf(args, depth + 1) };
    case "OR":
      return { op: "or", left: keyOf(args, depth + 1), right: keyOf(args, depth + 1) };
    case "MODSEQ":
      return modseqKey(args);
  }
  if (isSequenceSetText(arg.value)) return { op: "seq", set: parseSequenceSet(arg.value) };
  throw bad(`Unknown search key ${arg.value.slice(0, 40)}`);
}

/** search-key *(SP search-key), all of which must match (RFC 3501 §6.4.4). */
function groupOf(args: ArgReader, depth: number): SearchKey {
  const keys: SearchKey[] = [];
  do keys.push(keyOf(args, depth));
  while (!args.done);
  return andOf(keys);
}

function returnOptions(args: ArgReader): SearchReturn[] | null {
  const first = args.peek();
  if (first?.type !== "atom" || first.value.toUpperCase() !== "RETURN") return null;
  args.take();
  return args.list("RETURN options").map((item) => {
    const option = item.type === "atom" ? item.value.toUpperCase() : "";
    if (!RETURNS.has(option)) throw bad("Invalid RETURN option");
    return option as SearchReturn;
  });
}

function charsetOf(args: ArgReader): string | null {
  const first = args.peek();
  if (first?.type !== "atom" || first.value.toUpperCase() !== "CHARSET") return null;
  args.take();
  const charset = args.astring("charset").toUpperCase();
  if (!searchCharsets.includes(charset)) throw refuse("Unsupported charset", { code: "BADCHARSET", charsets: searchCharsets });
  return charset;
}

/** SEARCH / UID SEARCH arguments: [RETURN (…)] [CHARSET x] keys. */
export function parseSearch(args: readonly ImapArg[]): SearchArgs {
  const reader = new ArgReader(args);
  const returns = returnOptions(reader);
  const charset = charsetOf(reader);
  return { returns, charset, key: groupOf(reader, 0) };
}
