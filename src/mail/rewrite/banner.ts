// The body banner (issue 7 item 7): a sentence at the top of the message's text and HTML
// bodies, for mail clients that do not show Moat's warning header. Only the chosen parts'
// bodies (and, when their label must change, their Content-Type / Content-Transfer-Encoding
// fields) are rewritten; boundaries and every other part keep their bytes. The result is parsed
// again and thrown away unless its MIME tree has the same shape as the original.
import { createDecodeStream, decode as decodeCharset } from "libmime/lib/charset.js";
import { parseMessage } from "../mime/structure.js";
import type { MimePart } from "../mime/types.js";
import { bannerTargets } from "./body-parts.js";
import { bannerLine, htmlBanner, htmlInsertAt, plainBanner, plainInsertAt, relabelHtmlMeta } from "./banner-text.js";
import { relabelPart, type Relabel } from "./part-header.js";
import { applySplices, isAscii, lineEndOf, type Splice } from "./splice.js";
import { charsetOf, trailingLineEnds, transferDecode, transferEncode } from "./transfer.js";

// Charsets in which ASCII bytes are not ASCII characters: inserting bytes would garble them.
const NOT_ASCII_BASED = /^(utf-?16|utf-?32|ucs-?2|ucs-?4|utf-?7|cp037|ibm037|ebcdic)/;
const UTF8 = new Set(["utf-8", "utf8"]);
const UNLABELLED = new Set(["", "us-ascii", "ascii"]);
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

function validUtf8(octets: Buffer): boolean {
  try {
    utf8Strict.decode(octets);
    return true;
  } catch {
    return false;
  }
}

/** The line end inside the body itself (a base64 body's text may differ from the message's). */
function bodyLineEnd(octets: Buffer, fallback: string): string {
  // NULs dropped so UTF-16's "\r\0\n\0" reads as CRLF too.
  const head = octets.toString("latin1", 0, 4096).replace(/\0/g, "");
  const lf = head.indexOf("\n");
  if (lf < 0) return fallback;
  return lf > 0 && head[lf - 1] === "\r" ? "\r\n" : "\n";
}

interface Rewritten {
  readonly octets: Buffer;
  /** The new charset label, or null when the part keeps its own. */
  readonly charset: string | null;
}

/** Inserts bytes without decoding the text: every other octet of the part stays as it was. */
function insertBytes(octets: Buffer, html: boolean, banner: string): Buffer {
  const view = octets.toString("latin1");
  const at = html ? htmlInsertAt(view) : plainInsertAt(view);
  return Buffer.concat([octets.subarray(0, at), Buffer.from(banner, "utf8"), octets.subarray(at)]);
}

/**
 * The part's octets with the banner. Its charset is kept when the banner fits it (an ASCII
 * banner in any ASCII-based charset, any banner in UTF-8); unlabelled text that is valid UTF-8
 * is relabelled; anything else is converted to UTF-8 by libmime, or left alone (null) when
 * libmime does not know its charset.
 */
function withBanner(octets: Buffer, charset: string, html: boolean, banner: string): Rewritten | null {
  const asciiBased = !NOT_ASCII_BASED.test(charset);
  if (asciiBased && (isAscii(banner) || UTF8.has(charset))) return { octets: insertBytes(octets, html, banner), charset: null };
  if (UNLABELLED.has(charset) && validUtf8(octets)) return { octets: insertBytes(octets, html, banner), charset: "utf-8" };
  // A charset libmime cannot read would be converted as if it were UTF-8: the text would be lost.
  if (!UNLABELLED.has(charset) && !createDecodeStream(charset).supported) return null;
  // Unlabelled 8-bit text that is not UTF-8 is read as latin1, so no octet is lost.
  let text = decodeCharset(octets, UNLABELLED.has(charset) ? "latin1" : charset);
  const at = html ? htmlInsertAt(text) : plainInsertAt(text);
  text = text.slice(0, at) + banner + text.slice(at);
  return { octets: Buffer.from(html ? relabelHtmlMeta(text, "utf-8") : text, "utf8"), charset: "utf-8" };
}

function rewritePart(raw: Buffer, part: MimePart, isRoot: boolean, line: string, eol: string): Splice[] {
  const body = raw.subarray(part.bodyStart, part.bodyStart + part.bodyLength);
  const octets = transferDecode(body, part.encoding);
  const html = part.subtype === "html";
  const partEol = bodyLineEnd(octets, eol);
  const banner = html ? htmlBanner(line, partEol) : plainBanner(line, partEol);
  const result = withBanner(octets, charsetOf(part), html, banner);
  if (result === null) return [];
  // 7bit promises no 8-bit octet (RFC 2045 §2.7): such text now travels quoted-printable.
  const sevenBit = part.encoding === null || part.encoding === "7bit";
  const encoding = sevenBit && !isAscii(result.octets) ? "quoted-printable" : part.encoding;
  const tail = encoding === "base64" ? trailingLineEnds(body) : "";
  const change: Relabel = { charset: result.charset, encoding: encoding === part.encoding ? null : encoding };
  return [
    ...relabelPart(raw, part, isRoot, change, eol),
    { start: part.bodyStart, end: part.bodyStart + part.bodyLength, bytes: transferEncode(result.octets, encoding, eol, tail) },
  ];
}

/** Same types, same nesting, same number of parts. */
function sameShape(a: MimePart, b: MimePart): boolean {
  if (a.type !== b.type || a.subtype !== b.subtype || (a.parts?.length ?? -1) !== (b.parts?.length ?? -1)) return false;
  if ((a.message === undefined) !== (b.message === undefined)) return false;
  if (a.message !== undefined && !sameShape(a.message.structure, b.message!.structure)) return false;
  return (a.parts ?? []).every((part, i) => sameShape(part, b.parts![i]!));
}

/**
 * The message with `text` at the top of its first inline text/plain and text/html parts.
 * Never throws: a message without such a part, or one the rewrite could not keep intact,
 * comes back unchanged.
 */
export function insertBanner(message: Buffer, text: string): Buffer {
  try {
    const line = bannerLine(text);
    if (line === "") return message;
    const { structure } = parseMessage(message);
    const { plain, html } = bannerTargets(structure);
    const eol = lineEndOf(message);
    const splices = [plain, html].flatMap((part) => (part === null ? [] : rewritePart(message, part, part === structure, line, eol)));
    if (splices.length === 0) return message;
    const out = applySplices(message, splices);
    if (out === null || !sameShape(parseMessage(out).structure, structure)) return message;
    return out;
  } catch {
    return message;
  }
}
