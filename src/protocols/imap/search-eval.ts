// Evaluating a SEARCH key tree (RFC 3501 §6.4.4) over the selected mailbox: flags, UIDs,
// sequence numbers, sizes and dates from the message rows; headers from the raw header; BODY
// and TEXT from the decoded text indexed at delivery. Matching is case-insensitive substring.
import libmime from "libmime";
import type { StoredMessage } from "../../core/ports/mailstore.js";
import type { MimePart } from "../../mail/mime/types.js";
import { dateKey, dateOf } from "./codec/dates.js";
import type { SearchKey } from "./codec/search.js";
import { headerFieldsOf } from "./codec/section.js";
import type { MessageSource } from "./fetch-items.js";
import type { MailboxView } from "./view.js";

export interface Candidate {
  readonly seq: number;
  readonly message: StoredMessage;
  readonly source: MessageSource;
}

function decoded(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

async function headerValue(c: Candidate, field: string): Promise<string> {
  const bytes = headerFieldsOf(await c.source.header(), [field]);
  // Unfold and drop the field names: "From: a\r\n b" → "a b".
  return decoded(bytes.toString("utf8").replace(/\r?\n[ \t]+/g, " ").replace(/^[^:\r\n]*:/gm, ""));
}

function compare(cmp: "before" | "on" | "since", day: number, key: number): boolean {
  return cmp === "before" ? day < key : cmp === "on" ? day === key : day >= key;
}

export async function matches(key: SearchKey, c: Candidate, view: MailboxView): Promise<boolean> {
  const m = c.message;
  switch (key.op) {
    case "all":
      return true;
    case "flag": {
      const has = key.flag === "\\Recent" ? view.isRecent(m.uid) : m.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase());
      return has === key.set;
    }
    case "header": {
      const value = await headerValue(c, key.field);
      return key.value === "" ? value.trim() !== "" || (await headerPresent(c, key.field)) : value.toLowerCase().includes(key.value.toLowerCase());
    }
    case "body":
      return bodyContains(c, key.value.toLowerCase());
    case "text": {
      const header = decoded((await c.source.header()).toString("utf8"));
      const needle = key.value.toLowerCase();
      return header.toLowerCase().includes(needle) || (await bodyContains(c, needle));
    }
    case "date": {
      // A message without a (parseable) Date header was sent at time 0 for SENTBEFORE/ON/SINCE,
      // as Dovecot answers (RFC 3501 leaves it open): it is found by SENTBEFORE any date.
      const when = key.field === "internal" ? m.internalDate : ((await c.source.index()).date ?? 0);
      return compare(key.cmp, dateKey(dateOf(new Date(when))), key.key);
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
      return !(await matches(key.key, c, view));
    case "or":
      return (await matches(key.left, c, view)) || (await matches(key.right, c, view));
    case "and":
      for (const k of key.keys) if (!(await matches(k, c, view))) return false;
      return true;
  }
}

/**
 * BODY and TEXT read the message body (RFC 3501 §6.4.4), and the header of a forwarded message
 * (message/rfc822) is body text of the message that carries it, as Dovecot finds it. The raw
 * bytes are read only when the decoded text did not match and such a part exists.
 */
async function bodyContains(c: Candidate, needle: string): Promise<boolean> {
  if ((await c.source.text()).toLowerCase().includes(needle)) return true;
  const index = await c.source.index();
  const nested = nestedMessages(index.structure);
  if (nested.length === 0) return false;
  const raw = await c.source.raw();
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

async function headerPresent(c: Candidate, field: string): Promise<boolean> {
  return headerFieldsOf(await c.source.header(), [field]).toString("latin1").includes(":");
}

export function usesModseq(key: SearchKey): boolean {
  if (key.op === "modseq") return true;
  if (key.op === "not") return usesModseq(key.key);
  if (key.op === "or") return usesModseq(key.left) || usesModseq(key.right);
  if (key.op === "and") return key.keys.some(usesModseq);
  return false;
}
