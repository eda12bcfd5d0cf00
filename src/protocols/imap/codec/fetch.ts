// FETCH arguments (RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 §3.1.4 CHANGEDSINCE, §3.2.6
// VANISHED). Section text goes through parseSectionSpec (section.ts), the one place that
// knows what BODY[1.2.HEADER.FIELDS (…)] means. Each attribute carries the label its
// response item uses: BODY.PEEK[x] is answered as BODY[x], a partial as <origin> (§7.4.2).
import { ArgReader, MAX_NUMBER, parseModSeq, parseNumber } from "./args.js";
import { bad } from "./codes.js";
import type { ImapArg } from "./lexer.js";
import { parseSectionSpec, type SectionSpec } from "./section.js";
import { parseSequenceSet, type SequenceSet } from "./sequence.js";

export type SimpleFetchName =
  | "FLAGS" | "INTERNALDATE" | "RFC822" | "RFC822.HEADER" | "RFC822.SIZE" | "RFC822.TEXT"
  | "ENVELOPE" | "BODY" | "BODYSTRUCTURE" | "UID" | "MODSEQ";

export interface Partial {
  readonly start: number;
  readonly length: number;
}

export type FetchAttr =
  | { readonly kind: "simple"; readonly name: SimpleFetchName }
  | { readonly kind: "body"; readonly peek: boolean; readonly section: SectionSpec; readonly partial: Partial | null; readonly label: string }
  | { readonly kind: "binary"; readonly peek: boolean; readonly path: readonly number[]; readonly partial: Partial | null; readonly label: string }
  | { readonly kind: "binary-size"; readonly path: readonly number[]; readonly label: string };

export interface FetchArgs {
  readonly set: SequenceSet;
  readonly attrs: readonly FetchAttr[];
  /** CHANGEDSINCE (RFC 7162 §3.1.4.1): only messages with a greater MODSEQ. */
  readonly changedSince: bigint | null;
  /** VANISHED (RFC 7162 §3.2.6): report expunged UIDs; UID FETCH with CHANGEDSINCE only. */
  readonly vanished: boolean;
}

const SIMPLE = new Set<string>(["FLAGS", "INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.SIZE", "RFC822.TEXT", "ENVELOPE", "BODY", "BODYSTRUCTURE", "UID", "MODSEQ"]);
const MACROS: Record<string, readonly SimpleFetchName[]> = {
  ALL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
  FAST: ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  FULL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
};
const SECTIONED = /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/i;
const PART_PATH = /^(?:[1-9]\d{0,8}(?:\.[1-9]\d{0,8})*)?$/;

function partialOf(start: string | undefined, length: string | undefined): Partial | null {
  if (start === undefined || length === undefined) return null;
  return { start: parseNumber(start), length: parseNumber(length, 1, MAX_NUMBER) };
}

function sectioned(m: RegExpExecArray): FetchAttr {
  const item = m[1]!.toUpperCase();
  const text = m[2]!;
  const partial = partialOf(m[3], m[4]);
  const origin = partial === null ? "" : `<${partial.start}>`;
  if (item === "BODY" || item === "BODY.PEEK") {
    const section = parseSectionSpec(text);
    if (section === null) throw bad("Invalid section");
    return { kind: "body", peek: item === "BODY.PEEK", section, partial, label: `BODY[${text}]${origin}` };
  }
  // section-binary (RFC 3516 §4.2): part numbers only.
  if (!PART_PATH.test(text)) throw bad("Invalid binary section");
  const path = text === "" ? [] : text.split(".").map(Number);
  if (item === "BINARY.SIZE") {
    if (partial !== null) throw bad("BINARY.SIZE takes no partial");
    return { kind: "binary-size", path, label: `BINARY.SIZE[${text}]` };
  }
  return { kind: "binary", peek: item === "BINARY.PEEK", path, partial, label: `BINARY[${text}]${origin}` };
}

/** One fetch-att (RFC 3501 §9). */
export function parseFetchAttr(arg: ImapArg): FetchAttr {
  if (arg.type !== "atom") throw bad("Invalid fetch attribute");
  const upper = arg.value.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: "simple", name: upper as SimpleFetchName };
  const m = SECTIONED.exec(arg.value);
  if (m === null) throw bad(`Invalid fetch attribute ${arg.value.slice(0, 40)}`);
  return sectioned(m);
}

function attributes(arg: ImapArg): FetchAttr[] {
  if (arg.type === "atom") {
    const macro = MACROS[arg.value.toUpperCase()];
    if (macro !== undefined) return macro.map((name) => ({ kind: "simple", name }));
    return [parseFetchAttr(arg)];
  }
  if (arg.type !== "list" || arg.items.length === 0) throw bad("Expected fetch attributes");
  return arg.items.map(parseFetchAttr);
}

/** fetch-modifiers (RFC 4466 §2.4): "(" CHANGEDSINCE n [SP VANISHED] ")". */
function modifiers(items: readonly ImapArg[] | null, uid: boolean): { changedSince: bigint | null; vanished: boolean } {
  let changedSince: bigint | null = null;
  let vanished = false;
  const args = new ArgReader(items ?? []);
  while (!args.done) {
    const name = args.atom("fetch modifier").toUpperCase();
    if (name === "CHANGEDSINCE" && changedSince === null) changedSince = parseModSeq(args.atom("mod-sequence"), true);
    else if (name === "VANISHED" && !vanished) vanished = true;
    else throw bad(`Invalid fetch modifier ${name.slice(0, 40)}`);
  }
  if (vanished && (!uid || changedSince === null)) throw bad("VANISHED requires UID FETCH and CHANGEDSINCE");
  return { changedSince, vanished };
}

function hasSimple(attrs: readonly FetchAttr[], name: SimpleFetchName): boolean {
  return attrs.some((a) => a.kind === "simple" && a.name === name);
}

/**
 * FETCH / UID FETCH arguments. UID FETCH always returns UID (RFC 3501 §6.4.8) and CHANGEDSINCE
 * always returns MODSEQ (RFC 7162 §3.1.4.1), so those attributes are added here.
 */
export function parseFetch(args: readonly ImapArg[], uid: boolean): FetchArgs {
  const reader = new ArgReader(args);
  const set = parseSequenceSet(reader.atom("sequence set"));
  const attrs = attributes(reader.take("fetch attributes"));
  const mods = modifiers(reader.optionalList(), uid);
  reader.end();
  if (uid && !hasSimple(attrs, "UID")) attrs.unshift({ kind: "simple", name: "UID" });
  if (mods.changedSince !== null && !hasSimple(attrs, "MODSEQ")) attrs.push({ kind: "simple", name: "MODSEQ" });
  return { set, attrs, ...mods };
}
