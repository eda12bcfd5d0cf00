// POP3 replies (RFC 1939 §3): "+OK" or "-ERR", an optional response code in brackets
// (RFC 2449 §8, RFC 3206), and multi-line bodies ended by "." alone on a line, with every line
// that starts with "." byte-stuffed (test plan POP-06).

/** RFC 2449 §8.1 and RFC 3206 §4: the codes a client acts on. */
export type ResponseCode = "AUTH" | "SYS/TEMP" | "SYS/PERM" | "IN-USE" | "LOGIN-DELAY";

export function ok(text: string): string {
  return text === "" ? "+OK\r\n" : `+OK ${text}\r\n`;
}

export function err(text: string, code?: ResponseCode): string {
  return code === undefined ? `-ERR ${text}\r\n` : `-ERR [${code}] ${text}\r\n`;
}

/** A multi-line reply of short text lines (CAPA, LIST, UIDL). */
export function multiline(first: string, lines: readonly string[]): string {
  const body = lines.map((line) => (line.startsWith(".") ? `.${line}` : line)).join("\r\n");
  return `${ok(first)}${body}${lines.length > 0 ? "\r\n" : ""}.\r\n`;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/**
 * A message as the body of RETR (all of it) or TOP (`bodyLines` set: the header, the blank
 * line, then that many body lines; RFC 1939 §7), after `first` (the +OK line). Lines starting
 * with "." get one more; every line ends in CRLF on the wire, even one stored with a bare LF or
 * no ending at the end, so the terminator is always a line of its own. The changes are found
 * first (offsets, no objects per line), then the reply is one allocation filled by range
 * copies (bench/pop3: a download spends a few µs per message here).
 */
export function messageBody(raw: Buffer, bodyLines?: number, first = ""): Buffer {
  // Pairs (at, to): to < 0 puts a "." before the line at `at`; otherwise the bytes [at, to)
  // (a bare LF, or nothing at the very end) become CRLF.
  const edits: number[] = [];
  let extra = 0;
  let inBody = false;
  let left = bodyLines ?? Infinity;
  let start = 0;
  while (start < raw.length && (!inBody || left > 0)) {
    const lf = raw.indexOf(LF, start);
    const end = lf < 0 ? raw.length : lf;
    const contentEnd = end > start && raw[end - 1] === CR ? end - 1 : end;
    if (raw[start] === DOT) {
      edits.push(start, -1);
      extra += 1;
    }
    const next = lf < 0 ? raw.length : lf + 1;
    if (lf < 0 || contentEnd !== end - 1) {
      edits.push(contentEnd, next);
      extra += 2 - (next - contentEnd);
    }
    if (inBody) left--;
    else if (contentEnd === start) inBody = true; // the blank line ends the header
    start = next;
  }
  const out = Buffer.allocUnsafe(first.length + start + extra + 3);
  let o = out.write(first, 0, "latin1");
  let from = 0;
  for (let i = 0; i < edits.length; i += 2) {
    const at = edits[i]!;
    const to = edits[i + 1]!;
    o += raw.copy(out, o, from, at);
    if (to < 0) {
      out[o++] = DOT;
      from = at;
    } else {
      out[o++] = CR;
      out[o++] = LF;
      from = to;
    }
  }
  o += raw.copy(out, o, from, start);
  out[o++] = DOT;
  out[o++] = CR;
  out[o++] = LF;
  return out;
}
