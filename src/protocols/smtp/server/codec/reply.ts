// SMTP replies on the wire (RFC 5321 §4.2): a three-digit code, an optional enhanced status
// code (RFC 2034 / RFC 3463) and text; several lines as `250-…` continuation lines ending
// with `250 …`. Text that reaches a reply may come from a policy or a verdict, so it is cut
// down to printable ASCII here: a CR or LF in it would let its author forge further replies.

export interface Reply {
  readonly code: number;
  /** "2.1.0" etc. Absent for the greeting, EHLO/HELO and the 334/354 intermediates (RFC 2034 §3). */
  readonly enhanced?: string | undefined;
  readonly lines: readonly string[];
}

/** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
const maxTextLength = 480;

export function reply(code: number, enhanced: string | undefined, ...lines: string[]): Reply {
  return { code, enhanced, lines: lines.length === 0 ? [""] : lines };
}

/**
 * Printable ASCII only (RFC 5321 §4.2: reply text is ASCII): controls, DEL and non-ASCII
 * become "?", runs of whitespace become one space, and the result is capped.
 */
export function printable(text: string, max = maxTextLength): string {
  const clean = text.replace(/[\t\r\n]+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

export function formatReply(r: Reply): string {
  const prefix = r.enhanced === undefined ? "" : `${r.enhanced} `;
  const last = r.lines.length - 1;
  return r.lines.map((line, i) => `${r.code}${i < last ? "-" : " "}${prefix}${printable(line)}\r\n`).join("");
}
