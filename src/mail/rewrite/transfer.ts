// Content-Transfer-Encoding (RFC 2045 §6) both ways, and the charset parameter, for the one
// part a rewrite changes.
import libqp from "libqp";
import type { MimePart } from "../mime/types.js";

/** The body's octets. */
export function transferDecode(body: Buffer, encoding: string | null): Buffer {
  if (encoding === "base64") return Buffer.from(body.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  if (encoding === "quoted-printable") return libqp.decode(body);
  return body;
}

/**
 * The octets written back in `encoding`, lines as RFC 2045 asks: quoted-printable lines of at
 * most 76 characters (§6.7 rule 5), base64 lines of 76 (§6.8). `eol` is the message's line end;
 * `tail` is the line ends that closed the original body, kept for the delimiter that follows.
 */
export function transferEncode(octets: Buffer, encoding: string | null, eol: string, tail: string): Buffer {
  if (encoding === "quoted-printable") {
    const text = libqp.wrap(libqp.encode(octets), 76);
    return Buffer.from(eol === "\r\n" ? text.replace(/\r?\n/g, "\r\n") : text.replace(/\r\n/g, "\n"), "latin1");
  }
  if (encoding === "base64") {
    const lines = octets.toString("base64").match(/.{1,76}/g) ?? [];
    return Buffer.from(lines.join(eol) + tail, "latin1");
  }
  return octets;
}

/** The line ends at the very end of a base64 body (re-encoding would otherwise drop them). */
export function trailingLineEnds(body: Buffer): string {
  return /(?:\r?\n)*$/.exec(body.toString("latin1"))?.[0] ?? "";
}

/** The charset parameter, lower-cased; an RFC 2231 one loses its prefix; "" when absent. */
export function charsetOf(part: MimePart): string {
  for (const [name, value] of part.params) {
    if (name === "charset") return value.trim().toLowerCase();
    if (name === "charset*") return value.replace(/^[^']*'[^']*'/, "").replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).trim().toLowerCase();
  }
  return "";
}
