// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3). Printable US-ASCII (0x20–0x7e) stands
// for itself, except "&", written "&-"; anything else is UTF-16BE in modified BASE64 ("," for
// "/", no padding) between "&" and "-". Decoding is strict: a name has one spelling, so every
// input that does not re-encode to itself is refused — "&AGE-" (an "a" that should be plain),
// "&AOk-&AOk-" (two runs that should be one), non-zero padding bits, an unterminated "&AGE",
// a lone surrogate "&2AA-", raw 8-bit bytes. Two spellings of one name would let a client
// slip past a name check (test plan A2.3, IMAP-18).
import { bad } from "./codes.js";

const B64 = /^[A-Za-z0-9+,]+$/;

function utf16be(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

function encodeRun(run: string): string {
  return `&${utf16be(run).toString("base64").replace(/=+$/, "").replace(/\//g, ",")}-`;
}

/** The modified UTF-7 spelling of a name. */
export function encodeMailboxUtf7(name: string): string {
  let out = "";
  let run = "";
  for (const ch of name.split("")) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c <= 0x7e) {
      if (run !== "") out += encodeRun(run);
      run = "";
      out += ch === "&" ? "&-" : ch;
    } else {
      run += ch;
    }
  }
  return run === "" ? out : out + encodeRun(run);
}

/** UTF-16BE code units of one BASE64 run, with surrogate pairs checked. */
function decodeRun(b64: string): string {
  if (!B64.test(b64)) throw bad("Invalid modified UTF-7: bad BASE64");
  // 6 bits per character; whole 16-bit units, then fewer than 6 (zero) padding bits.
  if ((b64.length * 6) % 16 >= 6) throw bad("Invalid modified UTF-7: partial character");
  const bytes = Buffer.from(b64.replace(/,/g, "/"), "base64");
  if (bytes.length % 2 !== 0 || bytes.length === 0) throw bad("Invalid modified UTF-7: partial character");
  let out = "";
  for (let i = 0; i < bytes.length; i += 2) {
    const unit = bytes.readUInt16BE(i);
    const isHigh = unit >= 0xd800 && unit <= 0xdbff;
    const isLow = unit >= 0xdc00 && unit <= 0xdfff;
    if (isLow) throw bad("Invalid modified UTF-7: lone surrogate");
    if (isHigh) {
      const next = i + 2 < bytes.length ? bytes.readUInt16BE(i + 2) : -1;
      if (next < 0xdc00 || next > 0xdfff) throw bad("Invalid modified UTF-7: lone surrogate");
      out += String.fromCharCode(unit, next);
      i += 2;
    } else {
      out += String.fromCharCode(unit);
    }
  }
  return out;
}

/** The name a modified UTF-7 spelling stands for; throws ImapParseError (BAD) if it is not canonical. */
export function decodeMailboxUtf7(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw bad("Invalid modified UTF-7: 8-bit or control character");
    if (c !== 0x26) {
      out += text[i];
      i++;
      continue;
    }
    const end = text.indexOf("-", i + 1);
    if (end < 0) throw bad("Invalid modified UTF-7: unterminated '&'");
    out += end === i + 1 ? "&" : decodeRun(text.slice(i + 1, end));
    i = end + 1;
  }
  if (encodeMailboxUtf7(out) !== text) throw bad("Invalid modified UTF-7: not in canonical form");
  return out;
}
