// MAIL FROM:<reverse-path> and RCPT TO:<forward-path> (RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2)
// mapped to the one canonical Address of mail/address.ts, so that every later decision
// (local or remote, owned or not) is taken on the same parse. Refused here, as bad syntax:
// - source routes `<@a,@b:u@d>` (§4.1.2 lets servers ignore them; we refuse them, as they
//   are a classic relay disguise, test plan SMTP-26);
// - quoted local parts `<"u@x"@d>`, which exist mostly to smuggle '@', '%' or spaces past
//   naive checks (nodemailer GHSA-mm7p-fcc7-pg87) — the account model has none;
// - address literals `<u@[1.2.3.4]>`, no domain of ours is one.
import { parseAddress, type Address } from "../../../../mail/address.js";

export type PathError = "syntax" | "source_route" | "quoted" | "too_long" | "bad_address";

export type ParsedPath =
  | {
      readonly ok: true;
      /** null is the null reverse-path `<>` (bounces), only valid for MAIL. */
      readonly address: Address | null;
      /** The path holds non-ASCII characters: only valid with SMTPUTF8 (RFC 6531 §3.4). */
      readonly nonAscii: boolean;
      /** The ESMTP parameters after the path, still unparsed. */
      readonly params: readonly string[];
    }
  | { readonly ok: false; readonly error: PathError; readonly message: string };

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, angle brackets included. */
const maxPathOctets = 256;

export interface PathOptions {
  /** `<postmaster>` without a domain must be accepted at RCPT (RFC 5321 §4.5.1); this is its domain. */
  readonly postmasterDomain?: string | undefined;
}

export function parseMailFrom(args: string): ParsedPath {
  return parsePathCommand(args, "FROM:", true, {});
}

export function parseRcptTo(args: string, opts: PathOptions = {}): ParsedPath {
  return parsePathCommand(args, "TO:", false, opts);
}

function fail(error: PathError, message: string): ParsedPath {
  return { ok: false, error, message };
}

function parsePathCommand(args: string, keyword: "FROM:" | "TO:", nullAllowed: boolean, opts: PathOptions): ParsedPath {
  if (args.slice(0, keyword.length).toUpperCase() !== keyword) return fail("syntax", `Syntax: ${keyword === "FROM:" ? "MAIL FROM:<address>" : "RCPT TO:<address>"}`);
  // "MAIL FROM: <a@b>" is not RFC 5321, but common enough (old Outlook) that Postfix accepts it.
  const rest = args.slice(keyword.length).replace(/^ +/, "");
  if (!rest.startsWith("<")) return fail("syntax", "The address must be in angle brackets");
  const close = rest.indexOf(">");
  if (close < 0) return fail("syntax", "Missing '>' after the address");
  const inner = rest.slice(1, close);
  const after = rest.slice(close + 1);
  if (after !== "" && !after.startsWith(" ")) return fail("syntax", "Expected a space between the address and its parameters");
  const params = after.split(" ").filter((p) => p !== "");
  if (Buffer.byteLength(inner) + 2 > maxPathOctets) return fail("too_long", "The address is too long");
  const nonAscii = /[^\x20-\x7e]/.test(inner);

  if (inner === "") {
    return nullAllowed ? { ok: true, address: null, nonAscii, params } : fail("bad_address", "A recipient address is required");
  }
  if (inner.startsWith("@")) return fail("source_route", "Source routes are not accepted");
  if (inner.includes('"')) return fail("quoted", "Quoted local parts are not accepted");
  if (/[\s<>()[\]\\,;]/.test(inner)) return fail("bad_address", "The address has characters not allowed in an address");
  const mailbox = !nullAllowed && inner.toLowerCase() === "postmaster" && opts.postmasterDomain ? `postmaster@${opts.postmasterDomain}` : inner;
  const parsed = parseAddress(mailbox);
  if (!parsed.ok) return fail("bad_address", "The address is not valid");
  return { ok: true, address: parsed.value, nonAscii, params };
}
