// Server responses (RFC 3501 §7): tagged and untagged status lines with response codes,
// continuation requests, and the data responses whose shape is fixed (LIST, STATUS, FETCH,
// SEARCH, VANISHED, ID, ENABLED, NAMESPACE, QUOTA). Human text is stripped of CR, LF and NUL
// so no value can end a line early and inject a response (the CRLF injection class the test
// plan lists); values go through imapString, which picks quoted or literal.
import type { ResponseCode } from "./codes.js";
import { encodeMailboxName } from "./mailbox.js";
import { formatOrderedSet, formatSequenceSet } from "./sequence.js";
import type { StatusItem } from "./select.js";
import { imapNString, imapString } from "./strings.js";

export type Status = "OK" | "NO" | "BAD";
const CRLF = "\r\n";

/** Response text (RFC 3501 §9 text): one line of TEXT-CHARs. */
function cleanText(text: string): string {
  return text.replace(/[\r\n\0]+/g, " ");
}

/** The wire form of a response code, brackets included. */
export function formatResponseCode(code: ResponseCode): string {
  switch (code.code) {
    case "UIDNEXT":
    case "UIDVALIDITY":
    case "UNSEEN":
    case "HIGHESTMODSEQ":
      return `[${code.code} ${code.value}]`;
    case "PERMANENTFLAGS":
      return `[PERMANENTFLAGS ${formatFlags(code.flags)}]`;
    case "CAPABILITY":
      return `[CAPABILITY ${code.capabilities.join(" ")}]`;
    case "BADCHARSET":
      return `[BADCHARSET (${code.charsets.join(" ")})]`;
    case "APPENDUID":
      return `[APPENDUID ${code.uidValidity} ${formatSequenceSet(code.uids)}]`;
    case "COPYUID":
      return `[COPYUID ${code.uidValidity} ${formatOrderedSet(code.source)} ${formatOrderedSet(code.dest)}]`;
    case "MODIFIED":
      return `[MODIFIED ${formatSequenceSet(code.set)}]`;
    default:
      return `[${code.code}]`;
  }
}

function statusLine(prefix: string, status: string, text: string, code: ResponseCode | null): string {
  const codeText = code === null ? "" : `${formatResponseCode(code)} `;
  return `${prefix} ${status} ${codeText}${cleanText(text)}${CRLF}`;
}

/** "tag OK [CODE] text"; a null tag (unparseable command) is answered untagged. */
export function tagged(tag: string | null, status: Status, text: string, code: ResponseCode | null = null): string {
  return statusLine(tag ?? "*", status, text, code);
}

/** "* OK|NO|BAD|BYE|PREAUTH [CODE] text" (RFC 3501 §7.1). */
export function untaggedStatus(status: Status | "BYE" | "PREAUTH", text: string, code: ResponseCode | null = null): string {
  return statusLine("*", status, text, code);
}

/** "* data" for server data already in wire form (EXISTS, EXPUNGE, CAPABILITY, …). */
export function untagged(data: string): string {
  return `* ${data}${CRLF}`;
}

/** "+ text" (RFC 3501 §7.5), e.g. before a synchronising literal. */
export function continuation(text = "Ready for literal data"): string {
  return `+ ${cleanText(text)}${CRLF}`;
}

/** "+ base64" for a SASL challenge (RFC 3501 §6.2.2); an empty challenge is "+ ". */
export function saslChallenge(data: Buffer): string {
  return `+ ${data.toString("base64")}${CRLF}`;
}

export function formatFlags(flags: readonly string[]): string {
  return `(${flags.join(" ")})`;
}

export function formatCapability(capabilities: readonly string[]): string {
  return untagged(`CAPABILITY ${capabilities.join(" ")}`);
}

/** A mailbox name for a response: modified UTF-7 (or UTF-8 under UTF8=ACCEPT), quoted or literal. */
export function formatMailbox(name: string, utf8Accept = false): string {
  return imapString(encodeMailboxName(name, utf8Accept));
}

/**
 * "* LIST (attrs) "/" name" (RFC 3501 §7.2.2); LSUB has the same shape. `childInfo` adds the
 * RFC 5258 §3.5 extended data ("CHILDINFO" ("SUBSCRIBED")).
 */
export function formatListItem(attributes: readonly string[], name: string, options: { utf8Accept?: boolean; command?: "LIST" | "LSUB"; childInfo?: boolean } = {}): string {
  const extended = options.childInfo === true ? ' ("CHILDINFO" ("SUBSCRIBED"))' : "";
  return untagged(`${options.command ?? "LIST"} ${formatFlags(attributes)} "/" ${formatMailbox(name, options.utf8Accept)}${extended}`);
}

/** "* STATUS name (ITEM n …)" (RFC 3501 §7.2.4). */
export function formatStatusItem(name: string, items: readonly (readonly [StatusItem, number | bigint])[], utf8Accept = false): string {
  return untagged(`STATUS ${formatMailbox(name, utf8Accept)} (${items.map(([k, v]) => `${k} ${v}`).join(" ")})`);
}

/** A FETCH value: wire text, bytes sent as a literal, or bytes sent as literal8 (RFC 3516 §4.2). */
export type FetchValue = string | Buffer | { readonly literal8: Buffer };

/**
 * Responses on their way out: text (sent as UTF-8) and bytes, put together in one buffer when
 * taken. A FETCH of a range of bodies gathers many responses here, so each body is copied once
 * (into the buffer the socket gets) and the socket is written once per batch, not per message.
 */
export class WireParts {
  private readonly parts: (string | Buffer)[] = [];
  private text = "";
  /** Roughly what take() will return: UTF-16 units of the text plus the bytes. */
  length = 0;

  add(text: string): void {
    this.text += text;
    this.length += text.length;
  }

  addBytes(bytes: Buffer): void {
    if (this.text !== "") this.parts.push(this.text);
    this.text = "";
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /** Everything added, as one buffer; empties this. */
  take(): Buffer {
    if (this.text !== "") this.parts.push(this.text);
    let size = 0;
    for (const part of this.parts) size += typeof part === "string" ? Buffer.byteLength(part) : part.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const part of this.parts) at += typeof part === "string" ? out.write(part, at) : part.copy(out, at);
    this.parts.length = 0;
    this.text = "";
    this.length = 0;
    return out;
  }
}

/** "* n FETCH (label value …)" (RFC 3501 §7.4.2) added to `out`, literals included. */
export function addFetch(out: WireParts, seq: number, items: readonly (readonly [string, FetchValue])[]): void {
  out.add(`* ${seq} FETCH (`);
  for (let i = 0; i < items.length; i++) {
    const [label, value] = items[i]!;
    out.add(`${i > 0 ? " " : ""}${label} `);
    if (typeof value === "string") out.add(value);
    else if (Buffer.isBuffer(value)) {
      out.add(`{${value.length}}\r\n`);
      out.addBytes(value);
    } else {
      out.add(`~{${value.literal8.length}}\r\n`);
      out.addBytes(value.literal8);
    }
  }
  out.add(`)${CRLF}`);
}

/** "* n FETCH (label value …)" (RFC 3501 §7.4.2) as bytes, literals included. */
export function formatFetch(seq: number, items: readonly (readonly [string, FetchValue])[]): Buffer {
  const out = new WireParts();
  addFetch(out, seq, items);
  return out.take();
}

/** "* SEARCH n …" with "(MODSEQ m)" when CONDSTORE asked (RFC 7162 §3.1.5). */
export function formatSearch(numbers: readonly number[], modseq: bigint | null = null): string {
  const list = numbers.length === 0 ? "" : ` ${numbers.join(" ")}`;
  return untagged(`SEARCH${list}${modseq === null || numbers.length === 0 ? "" : ` (MODSEQ ${modseq})`}`);
}

/** What an ESEARCH answer carries (RFC 4731 §3.1); absent items were not asked for. */
export interface EsearchResult {
  readonly min?: number;
  readonly max?: number;
  readonly count?: number;
  readonly all?: readonly number[];
  readonly modseq?: bigint;
}

/** "* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set [MODSEQ m]" (RFC 4731 §3.1, RFC 7162 §3.1.5). */
export function formatEsearch(tag: string, uid: boolean, r: EsearchResult): string {
  const parts = [`ESEARCH (TAG ${imapString(tag)})`];
  if (uid) parts.push("UID");
  if (r.min !== undefined) parts.push(`MIN ${r.min}`);
  if (r.max !== undefined) parts.push(`MAX ${r.max}`);
  if (r.count !== undefined) parts.push(`COUNT ${r.count}`);
  if (r.all !== undefined && r.all.length > 0) parts.push(`ALL ${formatSequenceSet(r.all)}`);
  if (r.modseq !== undefined) parts.push(`MODSEQ ${r.modseq}`);
  return untagged(parts.join(" "));
}

/** "* VANISHED [(EARLIER)] uid-set" (RFC 7162 §3.2.10). */
export function formatVanished(uids: readonly number[], earlier: boolean): string {
  return untagged(`VANISHED ${earlier ? "(EARLIER) " : ""}${formatSequenceSet(uids)}`);
}

/** "* ID (…)" or "* ID NIL" (RFC 2971 §3.2). */
export function formatId(fields: ReadonlyMap<string, string | null> | null): string {
  if (fields === null || fields.size === 0) return untagged("ID NIL");
  return untagged(`ID (${[...fields].map(([k, v]) => `${imapString(k)} ${imapNString(v)}`).join(" ")})`);
}

/** "* ENABLED cap …" (RFC 5161 §3.2). */
export function formatEnabled(capabilities: readonly string[]): string {
  return untagged(`ENABLED${capabilities.map((c) => ` ${c}`).join("")}`);
}

/** "* NAMESPACE" with one personal namespace, prefix "", separator "/" (RFC 2342 §5). */
export function formatNamespace(): string {
  return untagged('NAMESPACE (("" "/")) NIL NIL');
}

/** "* QUOTA root (STORAGE used limit …)" (RFC 9208 §5.1), STORAGE in KiB. */
export function formatQuota(root: string, resources: readonly (readonly [string, number, number])[]): string {
  return untagged(`QUOTA ${imapString(root)} (${resources.map(([r, used, limit]) => `${r} ${used} ${limit}`).join(" ")})`);
}

/** "* QUOTAROOT mailbox root …" (RFC 9208 §5.2). */
export function formatQuotaRoot(mailbox: string, roots: readonly string[], utf8Accept = false): string {
  return untagged(`QUOTAROOT ${formatMailbox(mailbox, utf8Accept)}${roots.map((r) => ` ${imapString(r)}`).join("")}`);
}
