// Cutting lines out of a protocol's input, for every protocol (SMTP, POP3, and IMAP's command
// lines between literals). The limit is enforced while the line is still incomplete, so a
// client that never sends LF cannot grow our buffer (test plan SMTP-09/10, POP-09, IMAP-11).

const LF = 0x0a;
const CR = 0x0d;

export type TakenLine =
  /** `line` has no line ending; `bareLf` tells that it ended in LF without CR. */
  | { readonly kind: "line"; readonly line: Buffer; readonly bareLf: boolean; readonly rest: Buffer }
  /** No complete line yet, and what is there is within the limit. */
  | { readonly kind: "partial" }
  /** Over the limit with no LF in sight: the caller answers and discards up to the next LF. */
  | { readonly kind: "too_long" };

/** A fixed limit, or one chosen by the line's first bytes (SMTP allows AUTH lines to be longer). */
export type LineLimit = number | ((head: Buffer) => number);

/**
 * Takes the first line of `buffer`. `limit` counts the octets before the line ending; the
 * ending is CRLF, or a bare LF (reported, so that the session can apply its policy).
 */
export function takeLine(buffer: Buffer, limit: LineLimit, scanFrom = 0): TakenLine {
  const max = typeof limit === "number" ? limit : limit(buffer);
  // The line may be max octets plus CR LF; search no further than that. `scanFrom`: the bytes
  // before it are known to hold no LF (searched when they arrived), so a line that comes a
  // byte at a time is searched once, not once per byte.
  const lf = buffer.subarray(0, max + 2).indexOf(LF, scanFrom);
  if (lf < 0) return buffer.length > max + 1 ? { kind: "too_long" } : { kind: "partial" };
  const bareLf = lf === 0 || buffer[lf - 1] !== CR;
  const end = bareLf ? lf : lf - 1;
  if (end > max) return { kind: "too_long" };
  return { kind: "line", line: buffer.subarray(0, end), bareLf, rest: buffer.subarray(lf + 1) };
}
