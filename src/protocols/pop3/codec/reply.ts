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
const crlf = Buffer.from("\r\n");
const dot = Buffer.from(".");
const terminator = Buffer.from(".\r\n");

/**
 * A message as the body of RETR (all of it) or TOP (`bodyLines` set: the header, the blank
 * line, then that many body lines; RFC 1939 §7), after `first` (the +OK line). Lines starting
 * with "." get one more; every line ends in CRLF on the wire, even one stored with a bare LF or
 * no ending at the end, so the terminator is always a line of its own. Runs of lines that need
 * neither are copied as one piece: the whole reply is one allocation and a few copies.
 */
export function messageBody(raw: Buffer, bodyLines?: number, first = ""): Buffer {
  const parts: Buffer[] = first === "" ? [] : [Buffer.from(first, "latin1")];
  let inBody = false;
  let left = bodyLines ?? Infinity;
  let start = 0;
  let run = 0; // start of the bytes not yet in parts
  while (start < raw.length && (!inBody || left > 0)) {
    const lf = raw.indexOf(LF, start);
    const end = lf < 0 ? raw.length : lf;
    const contentEnd = end > start && raw[end - 1] === CR ? end - 1 : end;
    if (raw[start] === DOT) {
      parts.push(raw.subarray(run, start), dot);
      run = start;
    }
    const next = lf < 0 ? raw.length : lf + 1;
    if (lf < 0 || contentEnd !== end - 1) {
      // A bare LF, or no line ending at all: written as CRLF.
      parts.push(raw.subarray(run, contentEnd), crlf);
      run = next;
    }
    if (inBody) left--;
    else if (contentEnd === start) inBody = true; // the blank line ends the header
    start = next;
  }
  if (start > run) parts.push(raw.subarray(run, start));
  parts.push(terminator);
  return Buffer.concat(parts);
}
