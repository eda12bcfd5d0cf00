// RFC 5228 §2.4.2.4 encoded-character: "${hex:24 24}" is "$$", "${unicode:263A}" is "☺".
// Sequences that do not follow the grammar are left as written; a unicode value outside
// 0-D7FF / E000-10FFFF is an error (the RFC says so; surrogates are not characters).

const ENCODED = /\$\{(hex|unicode):([\s0-9a-f]*)\}/gi;
const HEX_PAIRS = /^\s*[0-9a-f]{1,2}(\s+[0-9a-f]{1,2})*\s*$/i;
const UNICODE_SEQ = /^\s*[0-9a-f]+(\s+[0-9a-f]+)*\s*$/i;

/** The decoded string, or an error message for an invalid unicode value. */
export function decodeEncodedCharacters(text: string): { ok: true; value: string } | { ok: false; error: string } {
  if (!text.includes("${")) return { ok: true, value: text };
  let error: string | null = null;
  const value = text.replace(ENCODED, (whole, kind: string, body: string) => {
    const items = body.trim().split(/\s+/);
    if (kind.toLowerCase() === "hex") {
      if (!HEX_PAIRS.test(body)) return whole;
      // The octets are UTF-8; an invalid sequence decodes to U+FFFD rather than failing.
      return Buffer.from(items.map((h) => parseInt(h, 16))).toString("utf8");
    }
    if (!UNICODE_SEQ.test(body)) return whole;
    let out = "";
    for (const item of items) {
      const code = item.length > 8 ? Infinity : parseInt(item, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        error ??= `invalid unicode character ${item} in \${unicode:...}`;
        return whole;
      }
      out += String.fromCodePoint(code);
    }
    return out;
  });
  return error === null ? { ok: true, value } : { ok: false, error };
}
