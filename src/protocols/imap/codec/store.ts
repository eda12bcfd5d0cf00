// Arguments of the message commands that change or move messages: STORE (RFC 3501 §6.4.6,
// UNCHANGEDSINCE from RFC 7162 §3.1.3), COPY/MOVE (RFC 3501 §6.4.7, RFC 6851 §3) and
// UID EXPUNGE (RFC 4315 §2.1).
import { ArgReader, flagAtoms, parseModSeq } from "./args.js";
import { bad } from "./codes.js";
import type { ImapArg } from "./lexer.js";
import { parseMailbox } from "./mailbox.js";
import type { CodecOptions } from "./select.js";
import { parseSequenceSet, type SequenceSet } from "./sequence.js";

export interface StoreArgs {
  readonly set: SequenceSet;
  /** UNCHANGEDSINCE: store only where MODSEQ ≤ this (0 allowed: "never changed"). */
  readonly unchangedSince: bigint | null;
  readonly op: "replace" | "add" | "remove";
  readonly silent: boolean;
  readonly flags: readonly string[];
}

const STORE_ITEM = /^([+-]?)FLAGS(\.SILENT)?$/i;

/** store-modifiers (RFC 4466 §2.5): only UNCHANGEDSINCE is known. */
function unchangedSince(items: readonly ImapArg[] | null): bigint | null {
  if (items === null) return null;
  const args = new ArgReader(items);
  if (args.atom("store modifier").toUpperCase() !== "UNCHANGEDSINCE") throw bad("Invalid store modifier");
  const value = parseModSeq(args.atom("mod-sequence"), true);
  args.end();
  return value;
}

/** STORE / UID STORE set [(UNCHANGEDSINCE n)] (+|-)FLAGS[.SILENT] (flags) | flag … */
export function parseStore(args: readonly ImapArg[]): StoreArgs {
  const reader = new ArgReader(args);
  const set = parseSequenceSet(reader.atom("sequence set"));
  const since = unchangedSince(reader.optionalList());
  const item = STORE_ITEM.exec(reader.atom("store item"));
  if (item === null) throw bad("Invalid store item");
  const first = reader.peek();
  const flags = first?.type === "list" ? reader.list().slice() : [];
  if (first?.type !== "list") {
    // The unparenthesised form: one or more flags (RFC 3501 §9 store-att-flags).
    while (!reader.done) flags.push(reader.take("flag"));
    if (flags.length === 0) throw bad("Missing flags");
  }
  reader.end();
  const op = item[1] === "+" ? "add" : item[1] === "-" ? "remove" : "replace";
  return { set, unchangedSince: since, op, silent: item[2] !== undefined, flags: flagAtoms(flags) };
}

/** COPY / MOVE / UID COPY / UID MOVE set mailbox. */
export function parseCopy(args: readonly ImapArg[], options: CodecOptions = {}): { set: SequenceSet; mailbox: string } {
  const reader = new ArgReader(args);
  const set = parseSequenceSet(reader.atom("sequence set"));
  const mailbox = parseMailbox(reader.take("mailbox name"), options.utf8Accept);
  reader.end();
  return { set, mailbox };
}

/** UID EXPUNGE uid-set (RFC 4315 §2.1); plain EXPUNGE takes no arguments. */
export function parseUidExpunge(args: readonly ImapArg[]): SequenceSet {
  const reader = new ArgReader(args);
  const set = parseSequenceSet(reader.atom("UID set"));
  reader.end();
  return set;
}
