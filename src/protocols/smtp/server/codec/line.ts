// Cutting command lines out of the input. RFC 5321 §4.5.3.1.4 allows 512 octets; like Postfix
// (line_length_limit) and Stalwart we tolerate up to 2048, and refuse longer lines as soon as
// the cap is crossed, so a client that never sends LF cannot grow our buffer (test plan
// SMTP-09/10). An AUTH command and a SASL response may be longer: RFC 4954 §4 sets 12288
// octets for them, as a PLAIN response with long names and a long password needs it.

export const maxCommandLine = 2048;
export const maxSaslLine = 12288;

const LF = 0x0a;
const CR = 0x0d;

export type TakenLine =
  /** `line` has no line ending; `bareLf` tells that it ended in LF without CR. */
  | { readonly kind: "line"; readonly line: Buffer; readonly bareLf: boolean; readonly rest: Buffer }
  /** No complete line yet, and what is there is within the limit. */
  | { readonly kind: "partial" }
  /** Over the limit with no LF in sight: the caller answers and discards up to the next LF. */
  | { readonly kind: "too_long" };

/** The limit for the line starting with `head`: 12288 for AUTH (RFC 4954 §4), 2048 otherwise. */
export function commandLineLimit(head: Buffer): number {
  return head.subarray(0, 5).toString("latin1").toUpperCase() === "AUTH " ? maxSaslLine : maxCommandLine;
}

/**
 * Takes the first line of `buffer`. `limit` counts the octets before the line ending; the
 * ending is CRLF, or a bare LF (reported, so that the session can apply its policy).
 */
export function takeLine(buffer: Buffer, limit: number | ((head: Buffer) => number)): TakenLine {
  const max = typeof limit === "number" ? limit : limit(buffer);
  // The line may be max octets plus CR LF; search no further than that.
  const lf = buffer.subarray(0, max + 2).indexOf(LF);
  if (lf < 0) return buffer.length > max + 1 ? { kind: "too_long" } : { kind: "partial" };
  const bareLf = lf === 0 || buffer[lf - 1] !== CR;
  const end = bareLf ? lf : lf - 1;
  if (end > max) return { kind: "too_long" };
  return { kind: "line", line: buffer.subarray(0, end), bareLf, rest: buffer.subarray(lf + 1) };
}
