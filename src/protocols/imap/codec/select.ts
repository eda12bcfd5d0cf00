// Arguments of the mailbox commands: SELECT/EXAMINE with CONDSTORE and QRESYNC (RFC 7162
// §3.1.8, §3.2.5), STATUS (RFC 3501 §6.3.10 with HIGHESTMODSEQ, RFC 8438 SIZE, RFC 7889
// APPENDLIMIT), RENAME, and the one-mailbox commands (CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE,
// GETQUOTAROOT). Every name goes through parseMailbox, so ".." never reaches the store.
import { ArgReader, parseModSeq } from "./args.js";
import { bad } from "./codes.js";
import type { ImapArg } from "./lexer.js";
import { parseMailbox, parseNewMailbox } from "./mailbox.js";
import { parseSequenceSet, type SequenceSet } from "./sequence.js";

export interface QresyncParams {
  readonly uidValidity: number;
  readonly modseq: bigint;
  readonly knownUids: SequenceSet | null;
  /** seq-match-data: message numbers and the UIDs the client knows them by. */
  readonly seqMatch: { readonly seqs: SequenceSet; readonly uids: SequenceSet } | null;
}

export interface SelectArgs {
  readonly mailbox: string;
  readonly condstore: boolean;
  readonly qresync: QresyncParams | null;
}

export type StatusItem = "MESSAGES" | "RECENT" | "UIDNEXT" | "UIDVALIDITY" | "UNSEEN" | "HIGHESTMODSEQ" | "SIZE" | "APPENDLIMIT";
const STATUS_ITEMS = new Set<string>(["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE", "APPENDLIMIT"]);

/** The options of every command: whether UTF8=ACCEPT is enabled (RFC 6855). */
export interface CodecOptions {
  readonly utf8Accept?: boolean;
}

function setOf(arg: ImapArg | undefined, what: string): SequenceSet {
  if (arg?.type !== "atom") throw bad(`Expected ${what}`);
  return parseSequenceSet(arg.value, false);
}

/** QRESYNC (uidvalidity modseq [known-uids] [(known-seqs known-uids)]) — RFC 7162 §3.2.5. */
function qresyncParams(items: readonly ImapArg[]): QresyncParams {
  const args = new ArgReader(items);
  const uidValidity = args.number("UIDVALIDITY", 1);
  const modseq = parseModSeq(args.atom("mod-sequence"));
  let knownUids: SequenceSet | null = null;
  if (args.peek()?.type === "atom") knownUids = setOf(args.take(), "known UIDs");
  let seqMatch: QresyncParams["seqMatch"] = null;
  const match = args.optionalList();
  if (match !== null) {
    if (match.length !== 2) throw bad("Invalid QRESYNC sequence match data");
    seqMatch = { seqs: setOf(match[0], "known sequence set"), uids: setOf(match[1], "known UID set") };
  }
  args.end();
  return { uidValidity, modseq, knownUids, seqMatch };
}

/** SELECT / EXAMINE mailbox [(CONDSTORE | QRESYNC (…))]. */
export function parseSelect(args: readonly ImapArg[], options: CodecOptions = {}): SelectArgs {
  const reader = new ArgReader(args);
  const mailbox = parseMailbox(reader.take("mailbox name"), options.utf8Accept);
  const params = new ArgReader(reader.optionalList() ?? []);
  reader.end();
  let condstore = false;
  let qresync: QresyncParams | null = null;
  while (!params.done) {
    const name = params.atom("select parameter").toUpperCase();
    if (name === "CONDSTORE" && !condstore) condstore = true;
    else if (name === "QRESYNC" && qresync === null) qresync = qresyncParams(params.list("QRESYNC parameters"));
    else throw bad(`Invalid select parameter ${name.slice(0, 40)}`);
  }
  return { mailbox, condstore, qresync };
}

/** STATUS mailbox (item …). */
export function parseStatus(args: readonly ImapArg[], options: CodecOptions = {}): { mailbox: string; items: StatusItem[] } {
  const reader = new ArgReader(args);
  const mailbox = parseMailbox(reader.take("mailbox name"), options.utf8Accept);
  const list = reader.list("status items");
  reader.end();
  if (list.length === 0) throw bad("Expected status items");
  const items = list.map((item) => {
    const name = item.type === "atom" ? item.value.toUpperCase() : "";
    if (!STATUS_ITEMS.has(name)) throw bad("Invalid status item");
    return name as StatusItem;
  });
  return { mailbox, items: [...new Set(items)] };
}

/** CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT: one mailbox name. */
export function parseMailboxArg(args: readonly ImapArg[], options: CodecOptions = {}): string {
  const reader = new ArgReader(args);
  const mailbox = parseMailbox(reader.take("mailbox name"), options.utf8Accept);
  reader.end();
  return mailbox;
}

/** CREATE mailbox, with one trailing separator allowed. */
export function parseCreate(args: readonly ImapArg[], options: CodecOptions = {}): string {
  const reader = new ArgReader(args);
  const mailbox = parseNewMailbox(reader.take("mailbox name"), options.utf8Accept);
  reader.end();
  return mailbox;
}

/** RENAME from to (RFC 3501 §6.3.5). */
export function parseRename(args: readonly ImapArg[], options: CodecOptions = {}): { from: string; to: string } {
  const reader = new ArgReader(args);
  const from = parseMailbox(reader.take("mailbox name"), options.utf8Accept);
  const to = parseMailbox(reader.take("new mailbox name"), options.utf8Accept);
  reader.end();
  return { from, to };
}

/** GETQUOTA root (RFC 9208 §4.2.1): a quota root name, "" for the user's root. */
export function parseQuotaRoot(args: readonly ImapArg[]): string {
  const reader = new ArgReader(args);
  const root = reader.astring("quota root");
  reader.end();
  if (root.length > 1024) throw bad("Quota root too long");
  return root;
}

