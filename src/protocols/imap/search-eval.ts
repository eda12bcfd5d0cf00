// Evaluating a SEARCH key tree (RFC 3501 §6.4.4) over the selected mailbox: flags, UIDs,
// sequence numbers, sizes and dates from the message rows; headers from the raw header (their
// decoded fields kept per body, search-headers.ts); BODY and TEXT from the decoded text indexed
// at delivery. Matching is case-insensitive substring.
import libmime from "libmime";
import type { StoredMessage } from "../../core/ports/mailstore.js";
import { parseMailDateWithZone } from "../../mail/mime/date.js";
import type { MimePart } from "../../mail/mime/types.js";
import { dateKey, dateOf } from "./codec/dates.js";
import type { SearchKey } from "./codec/search.js";
import { headerFieldsOf } from "./codec/section.js";
import type { MessageSummary } from "../../mail/mime/index-message.js";
import { searchedHeaders, type SearchedField } from "./search-headers.js";
import type { MailboxView } from "./view.js";

/**
 * A message's stored data as the keys read it. Synchronous: the caller (search-batch.ts) loads
 * data for a batch at a time, and a method throws when its data is not loaded yet; no Promise
 * per message or key.
 */
export interface SearchSource {
  /** ENVELOPE, BODYSTRUCTURE, section offsets, Date. */
  index(): MessageSummary;
  /** The decoded text (BODY, TEXT). */
  text(): string;
  raw(): Buffer;
  /** The message's own header, through the blank line. */
  header(): Buffer;
}

export interface Candidate {
  readonly seq: number;
  readonly message: StoredMessage;
  readonly source: SearchSource;
}

function decoded(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/**
 * A header field as the header keys match it, kept per body (search-headers.ts): decoded from
 * the message's own header the first time a search asks for it.
 */
function headerField(c: Candidate, field: string): SearchedField {
  const name = field.toLowerCase();
  const kept = searchedHeaders.get(c.message.bodyHash, name);
  if (kept !== undefined) return kept;
  const bytes = headerFieldsOf(c.source.header(), [field]);
  // Unfold and drop the field names: "From: a\r\n b" → "a b".
  const value = decoded(bytes.toString("utf8").replace(/\r?\n[ \t]+/g, " ").replace(/^[^:\r\n]*:/gm, ""));
  const found = { lower: value.toLowerCase(), present: value.trim() !== "" || bytes.toString("latin1").includes(":") };
  searchedHeaders.set(c.message.bodyHash, name, found);
  return found;
}

function compare(cmp: "before" | "on" | "since", day: number, key: number): boolean {
  return cmp === "before" ? day < key : cmp === "on" ? day === key : day >= key;
}

export function matches(key: SearchKey, c: Candidate, view: MailboxView): boolean {
  const m = c.message;
  switch (key.op) {
    case "all":
      return true;
    case "flag": {
      const has = key.flag === "\\Recent" ? view.isRecent(m.uid) : m.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase());
      return has === key.set;
    }
    case "header": {
      const field = headerField(c, key.field);
      return key.value === "" ? field.present : field.lower.includes(key.value.toLowerCase());
    }
    case "body":
      return bodyContains(c, key.value.toLowerCase());
    case "text": {
      const header = decoded(c.source.header().toString("utf8"));
      const needle = key.value.toLowerCase();
      return header.toLowerCase().includes(needle) || bodyContains(c, needle);
    }
    case "date": {
      // A message without a (parseable) Date header was sent at time 0 for SENTBEFORE/ON/SINCE,
      // as Dovecot answers (RFC 3501 leaves it open): it is found by SENTBEFORE any date.
      if (key.field === "internal") return compare(key.cmp, dateKey(dateOf(new Date(m.internalDate))), key.key);
      // The Date header's day as written, in its own zone (RFC 3501 §6.4.4; imaptest's search-date).
      const sent = parseMailDateWithZone(c.source.index().envelope.date);
      return compare(key.cmp, dateKey(sent === null ? dateOf(new Date(0)) : dateOf(new Date(sent.ms), sent.offsetMinutes)), key.key);
    }
    case "size":
      return key.cmp === "larger" ? m.size > key.size : m.size < key.size;
    case "seq":
      return key.set.contains(c.seq, view.exists);
    case "uid":
      return key.set.contains(m.uid, view.lastUid);
    case "modseq":
      return BigInt(m.modseq) >= key.modseq;
    case "not":
      return !matches(key.key, c, view);
    case "or":
      return matches(key.left, c, view) || matches(key.right, c, view);
    case "and":
      for (const k of key.keys) if (!matches(k, c, view)) return false;
      return true;
  }
}

/**
 * BODY and TEXT read the message body (RFC 3501 §6.4.4), and the header of a forwarded message
 * (message/rfc822) is body text of the message that carries it, as Dovecot finds it. The raw
 * bytes are read only when the decoded text did not match and such a part exists.
 */
function bodyContains(c: Candidate, needle: string): boolean {
  if (c.source.text().toLowerCase().includes(needle)) return true;
  const index = c.source.index();
  const nested = nestedMessages(index.structure);
  if (nested.length === 0) return false;
  const raw = c.source.raw();
  return nested.some((m) => decoded(raw.toString("utf8", m.headerStart, m.headerStart + m.headerLength)).toLowerCase().includes(needle));
}

function nestedMessages(part: MimePart, out: MimePart[] = []): MimePart[] {
  if (part.message !== undefined) {
    out.push(part.message.structure);
    nestedMessages(part.message.structure, out);
  }
  for (const child of part.parts ?? []) nestedMessages(child, out);
  return out;
}

export function usesModseq(key: SearchKey): boolean {
  if (key.op === "modseq") return true;
  if (key.op === "not") return usesModseq(key.key);
  if (key.op === "or") return usesModseq(key.left) || usesModseq(key.right);
  if (key.op === "and") return key.keys.some(usesModseq);
  return false;
}
