// IMAP strings (RFC 3501 §4.3, §9 formal syntax): NIL, quoted strings and literals.
// A quoted string may hold only 7-bit TEXT-CHARs (no CR, LF or NUL), with '"' and '\'
// escaped; anything else, or a long value, is sent as a literal {n}\r\n followed by the
// bytes. Values are JS strings and go on the wire as UTF-8, so a literal counts UTF-8 bytes.

/** Longer values are sent as literals: clients and proxies handle long quoted lines badly. */
const MAX_QUOTED = 1000;

// NUL is not a CHAR8 (RFC 3501 §9): not even a literal may carry it.
// eslint-disable-next-line no-control-regex
const NUL = /\x00/g;
// eslint-disable-next-line no-control-regex
const NOT_QUOTABLE = /[^\x01-\x09\x0b\x0c\x0e-\x7f]/;

// Most values have nothing to escape: a test is cheaper than a replace (FETCH ENVELOPE of a range).
const ESCAPED = /["\\]/;

export function imapQuoted(value: string): string {
  return ESCAPED.test(value) ? `"${value.replace(/["\\]/g, "\\$&")}"` : `"${value}"`;
}

export function imapLiteral(value: string): string {
  return `{${Buffer.byteLength(value)}}\r\n${value}`;
}

/** Whether a value can be sent as a quoted string. */
export function isQuotable(value: string): boolean {
  return value.length <= MAX_QUOTED && !NOT_QUOTABLE.test(value);
}

/** A string: quoted when safe, a literal otherwise. NUL becomes U+FFFD. */
export function imapString(value: string): string {
  const clean = value.includes("\0") ? value.replace(NUL, "\uFFFD") : value;
  return isQuotable(clean) ? imapQuoted(clean) : imapLiteral(clean);
}

/** nstring: NIL for null, otherwise a string. */
export function imapNString(value: string | null): string {
  return value === null ? "NIL" : imapString(value);
}

/** A parenthesized list of strings, or NIL when empty. */
export function imapStringList(values: readonly string[] | null): string {
  return values === null || values.length === 0 ? "NIL" : `(${values.map(imapString).join(" ")})`;
}

/** A literal of raw bytes: the {n}\r\n prefix and the bytes (BODY[section] data). */
export function imapLiteralBytes(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`, "latin1"), bytes]);
}
