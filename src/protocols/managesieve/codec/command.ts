// ManageSieve command lines (RFC 5804 §4): a command name, then arguments separated by spaces:
// atoms (numbers), quoted strings, and literals announced at the end of a line as {n+} (the
// client form) or {n} (the synchronising form of the drafts, which old clients still send;
// Moat reads both at once, there is no continuation in ManageSieve). A literal's octets are
// read by the session, then the command goes on with the next line. Pure: no sockets here.

/** RFC 5804 §4: a quoted string holds at most 1024 octets; longer text comes as a literal. */
export const maxQuotedOctets = 1024;
/** RFC 5804 §4: 1*1024ATOM-CHAR. */
const maxAtomOctets = 1024;

export type Token =
  | { readonly kind: "atom"; readonly value: string }
  /** A quoted string or a literal, as its octets (UTF-8 is checked by the command that uses it). */
  | { readonly kind: "string"; readonly value: Buffer };

export type LineScan =
  /** The command is complete. */
  | { readonly kind: "done" }
  /** The line ends by announcing a literal of `size` octets; the command goes on after it. */
  | { readonly kind: "literal"; readonly size: number; readonly sync: boolean }
  | { readonly kind: "error"; readonly message: string };

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;

/** ATOM-CHAR: any CHAR except "(" ")" "{" SP CTL "%" "*" DQUOTE "\". */
function isAtomChar(byte: number): boolean {
  return byte > 0x20 && byte < 0x7f && byte !== 0x28 && byte !== 0x29 && byte !== OPEN_BRACE && byte !== 0x25 && byte !== 0x2a && byte !== DQUOTE && byte !== BACKSLASH;
}

/** The literal announced at the very end of `line` ("{12+}" or "{12}"), or null. */
export function literalMarker(line: Buffer): { size: number; sync: boolean } | null {
  const match = /\{(\d{1,15})(\+?)\}$/.exec(line.toString("latin1"));
  if (match === null) return null;
  return { size: Number(match[1]), sync: match[2] !== "+" };
}

/**
 * Reads the tokens of one line (the first line of a command, or the rest after a literal,
 * which starts with a space or is empty) into `tokens`.
 */
export function scanLine(line: Buffer, tokens: Token[], continuation: boolean): LineScan {
  let at = 0;
  if (continuation) {
    if (line.length === 0) return { kind: "done" };
    if (line[0] !== SP) return { kind: "error", message: "Expected a space after the literal" };
    at = 1;
  } else if (line.length === 0) {
    return { kind: "error", message: "Empty command" };
  }
  for (;;) {
    const byte = line[at];
    if (byte === DQUOTE) {
      const quoted = readQuoted(line, at + 1);
      if (typeof quoted === "string") return { kind: "error", message: quoted };
      tokens.push({ kind: "string", value: quoted.value });
      at = quoted.next;
    } else if (byte === OPEN_BRACE) {
      const marker = literalMarker(line.subarray(at));
      if (marker === null) return { kind: "error", message: "Invalid literal; expected {size+} at the end of the line" };
      return { kind: "literal", ...marker };
    } else if (byte !== undefined && isAtomChar(byte)) {
      let end = at;
      while (end < line.length && isAtomChar(line[end]!)) end++;
      if (end - at > maxAtomOctets) return { kind: "error", message: "Atom too long" };
      tokens.push({ kind: "atom", value: line.toString("latin1", at, end) });
      at = end;
    } else {
      return { kind: "error", message: "Invalid character in the command" };
    }
    if (at === line.length) return { kind: "done" };
    if (line[at] !== SP || at + 1 === line.length) return { kind: "error", message: "Expected a space between arguments" };
    at++;
  }
}

/** A quoted string's octets from just after its opening quote: the value and where it ends, or an error. */
function readQuoted(line: Buffer, start: number): { value: Buffer; next: number } | string {
  const out: number[] = [];
  for (let at = start; at < line.length; at++) {
    const byte = line[at]!;
    if (byte === DQUOTE) return { value: Buffer.from(out), next: at + 1 };
    if (byte === BACKSLASH) {
      const escaped = line[++at];
      // QUOTED-SPECIALS: only \" and \\ (RFC 5804 §4).
      if (escaped !== DQUOTE && escaped !== BACKSLASH) return "Invalid escape in a quoted string";
      out.push(escaped);
    } else if (byte === 0) {
      return "NUL in a quoted string";
    } else {
      out.push(byte);
    }
    if (out.length > maxQuotedOctets) return `Quoted string longer than ${maxQuotedOctets} octets; send it as a literal`;
  }
  return "Unterminated quoted string";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Octets as UTF-8 text, or null (RFC 5804 §1.6: strings are UTF-8). */
export function textOf(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A number argument (HAVESPACE's size, RFC 5804 §4: 0..4294967295), or null. */
export function numberOf(token: Token | undefined): number | null {
  if (token?.kind !== "atom" || !/^\d{1,10}$/.test(token.value)) return null;
  const n = Number(token.value);
  return n <= 4_294_967_295 ? n : null;
}
