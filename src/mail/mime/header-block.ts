// Splitting a header section (RFC 5322 §2.2) into fields with byte offsets. Tolerant the way
// Dovecot is: a line without a colon is a field whose name is the whole line (mbox "From "
// lines, broken mailers), bare LF line ends work, a missing blank line makes the rest of the
// entity header. One pass over the lines; the colon is searched only inside its own line, so
// many colon-less lines cannot make the work quadratic.

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

export interface HeaderField {
  /** Field name as written, blanks around it removed; the whole line when it has no colon. */
  readonly name: string;
  /** Offset of the field's first byte. */
  readonly start: number;
  /** Offset after the field's last line end (continuation lines included). */
  readonly end: number;
  /** Offset after the colon; equal to `end` for a line without one. */
  readonly valueStart: number;
}

export interface HeaderBlock {
  readonly fields: readonly HeaderField[];
  /** Offset after the header, including the blank line when there is one. */
  readonly end: number;
  /** True when the header ended with a blank line (RFC 5322 §2.1). */
  readonly blankLine: boolean;
  /** Set when `stop` ended the header: offset of the line it stopped at. */
  readonly stoppedAt: number | null;
}

/** Asked at the start of every header line; true ends the header before that line. */
export type LineStop = (lineStart: number) => boolean;

function lineEnd(raw: Buffer, from: number, limit: number): number {
  const lf = raw.indexOf(LF, from);
  return lf < 0 || lf >= limit ? limit : lf + 1;
}

function isBlankLine(raw: Buffer, p: number, limit: number): boolean {
  if (raw[p] === LF) return true;
  return raw[p] === CR && p + 1 < limit && raw[p + 1] === LF;
}

/** Where the line end before `lineStart` begins: the CR of a CRLF, or the bare LF. */
export function newlineBefore(raw: Buffer, lineStart: number, floor: number): number {
  if (lineStart - 1 < floor || raw[lineStart - 1] !== LF) return lineStart;
  return lineStart - 2 >= floor && raw[lineStart - 2] === CR ? lineStart - 2 : lineStart - 1;
}

/** A field from its byte range; `colon` is the offset of its colon, or -1. */
export function makeField(raw: Buffer, start: number, end: number, colon: number): HeaderField {
  if (colon < 0) {
    let textEnd = end;
    while (textEnd > start && (raw[textEnd - 1] === LF || raw[textEnd - 1] === CR)) textEnd--;
    return { name: raw.toString("latin1", start, textEnd).trim(), start, end, valueStart: end };
  }
  return { name: raw.toString("latin1", start, colon).trim(), start, end, valueStart: colon + 1 };
}

function colonIn(raw: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) if (raw[i] === COLON) return i;
  return -1;
}

/** The header's extent, without its fields. */
export type HeaderExtent = Omit<HeaderBlock, "fields">;

/** Receives each complete field as offsets: [start, end) and its colon (-1 when none). */
export type FieldVisitor = (start: number, end: number, colon: number) => void;

/**
 * Walks the header section starting at `start`, never past `limit`, handing each complete
 * field to `visit`. When `stop` ends it at a line, the line end before that line is not part
 * of the header: in a multipart body it belongs to the boundary delimiter (RFC 2046 §5.1.1).
 * Nothing is allocated per line, so a header of millions of lines costs only the scan.
 */
export function scanHeader(raw: Buffer, start: number, limit: number, visit: FieldVisitor, stop?: LineStop): HeaderExtent {
  let fieldStart = -1;
  let fieldEnd = -1;
  let colon = -1;
  for (let p = start; p < limit; ) {
    if (stop !== undefined && stop(p)) {
      const end = newlineBefore(raw, p, start);
      if (fieldStart >= 0) visit(fieldStart, Math.min(fieldEnd, end), colon < end ? colon : -1);
      return { end, blankLine: false, stoppedAt: p };
    }
    const next = lineEnd(raw, p, limit);
    if (isBlankLine(raw, p, limit)) {
      if (fieldStart >= 0) visit(fieldStart, fieldEnd, colon);
      return { end: next, blankLine: true, stoppedAt: null };
    }
    if ((raw[p] === 0x20 || raw[p] === 0x09) && fieldStart >= 0) {
      fieldEnd = next; // a continuation line (RFC 5322 §2.2.3)
    } else {
      if (fieldStart >= 0) visit(fieldStart, fieldEnd, colon);
      [fieldStart, fieldEnd, colon] = [p, next, colonIn(raw, p, next)];
    }
    p = next;
  }
  if (fieldStart >= 0) visit(fieldStart, fieldEnd, colon);
  return { end: limit, blankLine: false, stoppedAt: null };
}

/**
 * Fields kept per header. A header of millions of lines (a MIME bomb in the header) is still
 * walked to its end, but only this many fields are kept, so memory stays bounded.
 */
export const MAX_HEADER_FIELDS = 50_000;

/** The header section with its first MAX_HEADER_FIELDS fields. */
export function readHeaderBlock(raw: Buffer, start: number, limit: number, stop?: LineStop): HeaderBlock {
  const fields: HeaderField[] = [];
  const extent = scanHeader(raw, start, limit, (from, to, colon) => {
    if (fields.length < MAX_HEADER_FIELDS) fields.push(makeField(raw, from, to, colon));
  }, stop);
  return { fields, ...extent };
}

/** The field value as a byte-for-byte string: unfolded, blanks after the colon removed. */
export function fieldValue(raw: Buffer, field: HeaderField): string {
  let i = field.valueStart;
  while (i < field.end && (raw[i] === 0x20 || raw[i] === 0x09)) i++;
  const text = raw.toString("latin1", i, field.end);
  return text.includes("\n") || text.includes("\r") ? text.replace(/[\r\n]/g, "") : text;
}

/** Fields grouped by lower-cased name, in message order. */
export function fieldsByName(fields: readonly HeaderField[]): Map<string, HeaderField[]> {
  const byName = new Map<string, HeaderField[]>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    const list = byName.get(key);
    if (list === undefined) byName.set(key, [field]);
    else list.push(field);
  }
  return byName;
}

// Header values are first read byte-for-byte (latin1), so structural values such as a
// multipart boundary keep their exact bytes; values stored for people or IMAP clients are then
// read as UTF-8 when they are valid UTF-8 (RFC 6532 headers) and left as latin1 otherwise, so
// no byte is ever dropped or replaced.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A byte-for-byte (latin1) string re-read as UTF-8 when its bytes are valid UTF-8. */
export function latin1ToText(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, "latin1"));
  } catch {
    return value;
  }
}
