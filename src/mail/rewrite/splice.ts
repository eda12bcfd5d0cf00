// Byte-range edits of a raw message: the rewrites replace or insert a few ranges (a header
// field, a part's body) and leave every other byte where it was, so boundaries, attachments and
// untouched header fields come out exactly as they went in.

/** Replace raw[start, end) with `bytes`; start === end inserts. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer;
}

/** Applies non-overlapping splices (any order); null when two of them overlap. */
export function applySplices(raw: Buffer, splices: readonly Splice[]): Buffer | null {
  const sorted = [...splices].sort((a, b) => a.start - b.start || a.end - b.end);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const splice of sorted) {
    if (splice.start < at || splice.end < splice.start || splice.end > raw.length) return null;
    pieces.push(raw.subarray(at, splice.start), splice.bytes);
    at = splice.end;
  }
  pieces.push(raw.subarray(at));
  return Buffer.concat(pieces);
}

/** The line end the message uses from `from` on (its first one), CRLF when there is none. */
export function lineEndOf(raw: Buffer, from = 0): "\r\n" | "\n" {
  const lf = raw.indexOf(0x0a, from);
  if (lf < 0) return "\r\n";
  return lf > from && raw[lf - 1] === 0x0d ? "\r\n" : "\n";
}

/** True when every byte is 7-bit. */
export function isAscii(bytes: Buffer | string): boolean {
  // eslint-disable-next-line no-control-regex
  return typeof bytes === "string" ? !/[^\x00-\x7f]/.test(bytes) : bytes.every((b) => b < 0x80);
}
