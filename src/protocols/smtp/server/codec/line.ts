// Cutting command lines out of the input. RFC 5321 §4.5.3.1.4 allows 512 octets; like Postfix
// (line_length_limit) and Stalwart we tolerate up to 2048, and refuse longer lines as soon as
// the cap is crossed, so a client that never sends LF cannot grow our buffer (test plan
// SMTP-09/10). An AUTH command and a SASL response may be longer: RFC 4954 §4 sets 12288
// octets for them, as a PLAIN response with long names and a long password needs it.

export const maxCommandLine = 2048;
export const maxSaslLine = 12288;

export { takeLine, type TakenLine } from "../../../net/lines.js";

/** The limit for the line starting with `head`: 12288 for AUTH (RFC 4954 §4), 2048 otherwise. */
export function commandLineLimit(head: Buffer): number {
  return head.subarray(0, 5).toString("latin1").toUpperCase() === "AUTH " ? maxSaslLine : maxCommandLine;
}
