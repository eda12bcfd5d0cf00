// The mail fixtures of /work/shared/fixtures/mail (see its README): the messages, Dovecot
// 2.3.19's recorded FETCH answers, and the differences Moat keeps on purpose, each with the
// RFC clause that allows it. Used by the codec-level golden test (test/mail) and by the one
// that goes through the real IMAP server (test/protocols/imap).
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { comparable, ImapDataReader, parseImapData, readFetchResponse, type ImapData } from "./imap-data.js";

export const FIXTURES = "/work/shared/fixtures/mail";

export interface Exchange {
  /** The data item asked for, e.g. BODY.PEEK[1.MIME]. */
  readonly item: string;
  readonly response: Map<string, ImapData>;
}

export interface Difference {
  /** Moat's answer, as IMAP data. */
  readonly moat: string;
  readonly why: string;
}

/** An IMAP literal of these (latin1) bytes. */
export const lit = (text: string): string => `{${Buffer.byteLength(text, "latin1")}}\r\n${text}`;

const ENCODED_BOUNDARY =
  "RFC 2231 §4 lets any parameter carry a charset (boundary*=ansi-x3.4-1968''EeQf...), and RFC 2046 §5.1.1 splits the " +
  "body at that boundary; Dovecot ignores an encoded boundary and shows one empty part, hiding both parts of the message. " +
  "RFC 3501 §7.4.2 builds BODYSTRUCTURE from the MIME structure, so Moat shows the two parts";

/** Deliberate differences from Dovecot: fixture → response item name → Moat's answer. */
export const DIFFERENCES: Record<string, Record<string, Difference>> = {
  "msg_33.eml": {
    BODYSTRUCTURE: {
      moat:
        `(("text" "plain" ("charset*" "ansi-x3.4-1968''us-ascii" "charset" "us-ascii") NIL NIL "quoted-printable" 8 1 NIL ("inline" NIL) NIL NIL)` +
        `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 1 NIL ("inline" NIL) NIL NIL) "signed" ` +
        `("boundary*" "ansi-x3.4-1968''EeQfGwPcQSOJBaQU" "micalg*" "ansi-x3.4-1968''pgp-md5" "protocol*" "ansi-x3.4-1968''application%2Fpgp-signature") ("inline" NIL) NIL NIL)`,
      why: ENCODED_BOUNDARY,
    },
    BODY: {
      moat: `(("text" "plain" ("charset*" "ansi-x3.4-1968''us-ascii" "charset" "us-ascii") NIL NIL "quoted-printable" 8 1)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 1) "signed")`,
      why: ENCODED_BOUNDARY,
    },
    "BODY[1]": { moat: lit("part 1\r\n"), why: ENCODED_BOUNDARY },
    "BODY[1.MIME]": {
      moat: lit("Content-Type: text/plain; charset*=ansi-x3.4-1968''us-ascii\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"),
      why: ENCODED_BOUNDARY,
    },
    "BODY[2]": { moat: lit("part 2\r\n"), why: ENCODED_BOUNDARY },
    "BODY[2.MIME]": { moat: lit("Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\n"), why: ENCODED_BOUNDARY },
  },
  "msg_35.eml": {
    "BODY[HEADER.FIELDS (FROM TO SUBJECT)]": {
      moat: lit("From: aperson@dom.ain\r\nTo: bperson@dom.ain\r\nSubject: here's something interesting\r\n"),
      why:
        "RFC 3501 §6.4.5: the blank line is included in all header fetches \"except in the case of a message which has no " +
        "body and no blank line\"; this message has neither. Dovecot adds one to HEADER.FIELDS only (not to HEADER or .NOT)",
    },
  },
};

export function readFetchFile(file: string): Exchange[] {
  const reader = new ImapDataReader(fs.readFileSync(file));
  const exchanges: Exchange[] = [];
  while (reader.pos < reader.buf.length) {
    const eol = reader.buf.indexOf("\r\n", reader.pos);
    const line = reader.buf.toString("latin1", reader.pos, eol);
    reader.pos = eol + 2;
    const command = /^C: FETCH 1 \((.*)\)$/.exec(line);
    if (command === null) continue; // the tagged OK line
    const response = new Map<string, ImapData>();
    while (reader.buf.toString("latin1", reader.pos, reader.pos + 2) === "* ") {
      for (const [name, value] of readFetchResponse(reader)) response.set(name, value);
    }
    exchanges.push({ item: command[1]!, response });
  }
  return exchanges;
}

/** The response item name for a requested item: .PEEK dropped, <o.n> answered as <o>. */
export function responseName(item: string): string {
  return item.replace(".PEEK[", "[").replace(/<(\d+)\.\d+>$/, "<$1>");
}

export function literal(bytes: Buffer): string {
  return `{${bytes.length}}\r\n${bytes.toString("latin1")}`;
}

/** The .eml as Dovecot stored it: CRLF line ends (fixtures README). */
export function loadMessage(name: string): Buffer {
  const text = fs.readFileSync(path.join(FIXTURES, name)).toString("latin1");
  return Buffer.from(text.replace(/\r?\n/g, "\r\n"), "latin1");
}

export const fixtures = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".eml") && fs.existsSync(path.join(FIXTURES, f.replace(/\.eml$/, ".fetch"))))
  .sort();


/** Each fixture with Dovecot's exchanges, read once. */
export function fixtureExchanges(name: string): Exchange[] {
  return readFetchFile(path.join(FIXTURES, name.replace(/\.eml$/, ".fetch")));
}

/**
 * Checks Moat's answer to one item against Dovecot's recorded one, or against the difference
 * listed for it (which must then really differ from Dovecot's).
 */
export function assertSameAnswer(name: string, item: string, dovecotResponse: ReadonlyMap<string, ImapData>, ours: ImapData): void {
  const key = responseName(item);
  const dovecot = dovecotResponse.get(key);
  assert.ok(dovecot, `${name}: no ${key} in Dovecot's answer`);
  const difference = DIFFERENCES[name]?.[key];
  const expected = difference === undefined ? dovecot : parseImapData(Buffer.from(difference.moat, "latin1"));
  if (difference !== undefined) assert.notDeepEqual(comparable(dovecot), comparable(expected), `${name} ${key}: listed as a difference but Dovecot agrees`);
  assert.deepEqual(comparable(ours), comparable(expected), `${name} ${key}${difference ? ` (differs on purpose: ${difference.why})` : ""}`);
}
