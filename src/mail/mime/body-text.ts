// The decoded text of a message for SEARCH BODY / TEXT (RFC 3501 §6.4.4): every text/* leaf,
// transfer-decoded (RFC 2045 §6), converted from its charset to UTF-8 by libmime, HTML reduced
// to its visible text. Capped so a huge message costs a bounded amount of storage and work.
import libqp from "libqp";
import { decode as decodeCharset } from "libmime/lib/charset.js";
import type { MimePart } from "./types.js";

/** At most this many UTF-8 bytes of text are kept per message. */
export const MAX_BODY_TEXT = 1024 * 1024;

// Decoding is bounded too: base64 and quoted-printable never shrink text by more than 4x,
// and HTML markup is allowed the same slack before it is cut.
const RAW_PER_TEXT_BYTE = 4;

// HTML to searchable text: tags dropped, script/style/comments removed, entities decoded,
// block elements turned into line breaks. A single forward scan rather than regular
// expressions with lazy matches, which go quadratic on many unclosed <script> or <!-- tags.
const BLOCK = new Set(["br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "hr", "title"]);
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", copy: "©", reg: "®", euro: "€" };

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] !== "#") return NAMED[body.toLowerCase()] ?? whole;
    const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** End of the element skipped from `from` (comment, script/style with content, or one tag). */
function skipMarkup(html: string, lower: string, from: number): { next: number; name: string } {
  if (lower.startsWith("<!--", from)) {
    const end = lower.indexOf("-->", from + 4);
    return { next: end < 0 ? html.length : end + 3, name: "" };
  }
  const name = /^<\/?([a-z][a-z0-9]*)/.exec(lower.slice(from, from + 16))?.[1] ?? "";
  if ((name === "script" || name === "style") && lower[from + 1] !== "/") {
    const end = lower.indexOf(`</${name}`, from);
    const close = end < 0 ? -1 : lower.indexOf(">", end);
    return { next: close < 0 ? html.length : close + 1, name };
  }
  const close = lower.indexOf(">", from);
  return { next: close < 0 ? html.length : close + 1, name };
}

/** Visible text of an HTML document, at most `limit` characters. */
export function htmlToText(html: string, limit: number): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  let length = 0;
  for (let i = 0; i < html.length && length < limit; ) {
    const lt = html.indexOf("<", i);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i) {
      const text = decodeEntities(html.slice(i, textEnd)).replace(/\s+/g, " ");
      out.push(text);
      length += text.length;
    }
    if (lt < 0) break;
    const { next, name } = skipMarkup(html, lower, lt);
    if (BLOCK.has(name)) out.push("\n");
    i = next;
  }
  return out
    .join("")
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}

function transferDecode(body: Buffer, encoding: string | null): Buffer {
  if (encoding === "base64") return Buffer.from(body.toString("latin1"), "base64");
  if (encoding === "quoted-printable") return libqp.decode(body);
  return body;
}

/** The charset parameter; an RFC 2231 one (charset*=us-ascii''x) loses its prefix. */
function charsetOf(part: MimePart): string {
  for (const [name, value] of part.params) {
    if (name === "charset") return value;
    if (name === "charset*") return value.replace(/^[^']*'[^']*'/, "").replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return "utf-8";
}

/** US-ASCII is read as UTF-8: 8-bit text labelled ASCII (or not labelled) is most often UTF-8. */
function toText(bytes: Buffer, charset: string): string {
  const name = charset.trim().toLowerCase();
  return decodeCharset(bytes, name === "us-ascii" || name === "ascii" || name === "" ? "utf-8" : name);
}

function textLeaves(part: MimePart, out: MimePart[]): void {
  if (part.parts !== undefined) for (const child of part.parts) textLeaves(child, out);
  else if (part.message !== undefined) textLeaves(part.message.structure, out);
  else if (part.type === "text" && part.opaque === undefined) out.push(part);
}

function partText(raw: Buffer, part: MimePart, budget: number): string {
  const take = Math.min(part.bodyLength, budget * RAW_PER_TEXT_BYTE);
  const body = raw.subarray(part.bodyStart, part.bodyStart + take);
  let text: string;
  try {
    text = toText(transferDecode(body, part.encoding), charsetOf(part));
  } catch {
    // A decoder choking on broken input must not stop delivery: keep the bytes as they are.
    text = body.toString("latin1");
  }
  text = text.replace(/\r\n?/g, "\n");
  return part.subtype === "html" ? htmlToText(text, budget) : text;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text).subarray(0, maxBytes).toString().replace(/\uFFFD$/, "");
}

export function extractBodyText(raw: Buffer, structure: MimePart): string {
  const leaves: MimePart[] = [];
  textLeaves(structure, leaves);
  const chunks: string[] = [];
  let used = 0;
  for (const part of leaves) {
    const budget = MAX_BODY_TEXT - used;
    if (budget <= 0) break;
    const text = cutToBytes(partText(raw, part, budget).trim(), budget);
    if (text === "") continue;
    chunks.push(text);
    used += Buffer.byteLength(text) + 1;
  }
  return chunks.join("\n");
}
