// The ENVELOPE of a message from its header fields (RFC 3501 §7.4.2).
// Address lists (RFC 5322 §3.4) become ENVELOPE addresses tolerantly, the way
// Dovecot is, since IMAP clients show whatever this returns: a missing local part or domain
// becomes MISSING_MAILBOX / MISSING_DOMAIN rather than dropping the address, a comment after
// a bare addr-spec is used as the personal name ("bbb@ddd.com (John Doe)"), and garbage up to
// the next comma is skipped. Names stay as written (RFC 2047 words are not decoded here).
import { fieldValue, latin1ToText, type HeaderField } from "./header-block.js";
import { tokenize, type Token } from "./rfc822-tokens.js";
import type { ImapAddress, ImapEnvelope } from "./types.js";

/**
 * Addresses kept per envelope field. The ENVELOPE is stored with every message and sent whole
 * to clients; a header listing a million addresses is an attack, not correspondence.
 */
export const MAX_ENVELOPE_ADDRESSES = 10_000;

/** Text looked at per field: ample for MAX_ENVELOPE_ADDRESSES, and it bounds the token list. */
const MAX_ADDRESS_TEXT = 4 * 1024 * 1024;

const MISSING_MAILBOX = "MISSING_MAILBOX";
const MISSING_DOMAIN = "MISSING_DOMAIN";

class Cursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[]) {}

  /** The next token that is not a comment (comments are skipped over). */
  peek(): Token | undefined {
    while (this.tokens[this.pos]?.kind === "comment") this.pos++;
    return this.tokens[this.pos];
  }

  take(): Token | undefined {
    const token = this.peek();
    if (token !== undefined) this.pos++;
    return token;
  }

  isSpecial(char: string): boolean {
    const token = this.peek();
    return token?.kind === "special" && token.text === char;
  }

  isWord(): boolean {
    const kind = this.peek()?.kind;
    return kind === "atom" || kind === "quoted";
  }

  /** Skips everything up to (not including) the next "," or ";" of the list. */
  skipGarbage(): void {
    while (this.peek() !== undefined && !this.isSpecial(",") && !this.isSpecial(";")) this.pos++;
  }

  /** The last comment among tokens[from, pos), trailing comments included. */
  lastComment(from: number): string | null {
    while (this.tokens[this.pos]?.kind === "comment") this.pos++;
    for (let i = this.pos - 1; i >= from; i--) {
      const token = this.tokens[i]!;
      if (token.kind === "comment" && token.text.trim() !== "") return token.text.trim();
    }
    return null;
  }
}

function readPhrase(c: Cursor): string[] {
  const words: string[] = [];
  while (c.isWord()) words.push(c.take()!.text);
  return words;
}

function readDomain(c: Cursor): string | null {
  if (!c.isSpecial("@")) return null;
  c.take();
  const token = c.peek();
  if (token?.kind !== "atom" && token?.kind !== "literal") return null;
  c.take();
  return token.text;
}

/** "@a,@b:" before the local part: the obsolete source route (RFC 5322 §4.4). */
function readRoute(c: Cursor): string | null {
  const hops: string[] = [];
  while (c.isSpecial("@") || c.isSpecial(",")) {
    if (c.isSpecial(",")) c.take();
    else hops.push(`@${readDomain(c) ?? ""}`);
  }
  if (hops.length === 0) return null;
  if (c.isSpecial(":")) c.take();
  return hops.join(",");
}

function readAngleAddr(c: Cursor, name: string | null): ImapAddress {
  c.take(); // "<"
  const adl = readRoute(c);
  const local = c.isWord() ? readPhrase(c).join("") : null;
  const domain = readDomain(c);
  if (c.isSpecial(">")) c.take();
  else c.skipGarbage();
  return [name, adl, local || MISSING_MAILBOX, domain || MISSING_DOMAIN];
}

/** A mailbox, or null for a stray special character (which is skipped). */
function readMailbox(c: Cursor): ImapAddress | null {
  const from = c.pos;
  const words = readPhrase(c);
  if (c.isSpecial("<")) return readAngleAddr(c, words.length > 0 ? words.join(" ") : null);
  const local = words[words.length - 1] ?? null;
  const domain = readDomain(c);
  const name = c.lastComment(from);
  if (local === null && domain === null && !c.isSpecial(",") && !c.isSpecial(";")) c.take();
  c.skipGarbage();
  if (local === null && domain === null && name === null) return null;
  return [name, null, local || MISSING_MAILBOX, domain || MISSING_DOMAIN];
}

function pushMailbox(c: Cursor, out: ImapAddress[]): void {
  const address = readMailbox(c);
  if (address !== null) out.push(address);
}

/** group = display-name ":" [mailbox-list] ";" (RFC 5322 §3.4); false when this is no group. */
function readGroup(c: Cursor, out: ImapAddress[]): boolean {
  const start = c.pos;
  const words = readPhrase(c);
  if (words.length === 0 || !c.isSpecial(":")) {
    c.pos = start;
    return false;
  }
  c.take();
  out.push([null, null, words.join(" "), null]);
  while (c.peek() !== undefined && !c.isSpecial(";")) {
    if (c.isSpecial(",")) c.take();
    else pushMailbox(c, out);
  }
  if (c.isSpecial(";")) c.take();
  out.push([null, null, null, null]);
  return true;
}

/** The ENVELOPE form of an address-list header value; null (NIL) when it holds no address. */
export function parseAddressList(value: string): ImapAddress[] | null {
  const c = new Cursor(tokenize(value.length > MAX_ADDRESS_TEXT ? value.slice(0, MAX_ADDRESS_TEXT) : value));
  const out: ImapAddress[] = [];
  while (c.peek() !== undefined && out.length < MAX_ENVELOPE_ADDRESSES) {
    if (c.isSpecial(",") || c.isSpecial(";")) c.take();
    else if (!readGroup(c, out)) pushMailbox(c, out);
  }
  return out.length > 0 ? out : null;
}


type Fields = ReadonlyMap<string, readonly HeaderField[]>;

/** The first field of that name, unfolded; RFC 5322 §3.6 allows only one of each. */
function firstValue(raw: Buffer, byName: Fields, name: string): string | null {
  const field = byName.get(name)?.[0];
  return field === undefined ? null : latin1ToText(fieldValue(raw, field));
}

/**
 * The subject the way Dovecot writes it for people: runs of blanks become one space and
 * the ends are trimmed, so a folded Subject reads as one line.
 */
function subjectOf(raw: Buffer, byName: Fields): string | null {
  const value = firstValue(raw, byName, "subject");
  return value === null ? null : value.replace(/[ \t]+/g, " ").trim();
}

/** All addresses of every field of that name: a repeated To: adds to the list (as Dovecot does). */
function addressesOf(raw: Buffer, byName: Fields, name: string): ImapAddress[] | null {
  const all: ImapAddress[] = [];
  for (const field of byName.get(name) ?? []) {
    if (all.length >= MAX_ENVELOPE_ADDRESSES) break;
    for (const address of parseAddressList(latin1ToText(fieldValue(raw, field))) ?? []) all.push(address);
  }
  return all.length > 0 ? all.slice(0, MAX_ENVELOPE_ADDRESSES) : null;
}

export function buildEnvelope(raw: Buffer, byName: Fields): ImapEnvelope {
  const from = addressesOf(raw, byName, "from");
  return {
    date: firstValue(raw, byName, "date"),
    subject: subjectOf(raw, byName),
    from,
    // RFC 3501 §7.4.2: an absent or empty Sender or Reply-To is set to From.
    sender: addressesOf(raw, byName, "sender") ?? from,
    replyTo: addressesOf(raw, byName, "reply-to") ?? from,
    to: addressesOf(raw, byName, "to"),
    cc: addressesOf(raw, byName, "cc"),
    bcc: addressesOf(raw, byName, "bcc"),
    inReplyTo: firstValue(raw, byName, "in-reply-to"),
    messageId: firstValue(raw, byName, "message-id"),
  };
}

export const EMPTY_ENVELOPE: ImapEnvelope = {
  date: null, subject: null, from: null, sender: null, replyTo: null,
  to: null, cc: null, bcc: null, inReplyTo: null, messageId: null,
};
