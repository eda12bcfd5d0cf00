// Mailbox names as the session receives them (RFC 3501 §5.1): hierarchy separator "/", INBOX
// case-insensitive, modified UTF-7 on the wire unless UTF8=ACCEPT is enabled (RFC 6855 §3).
// Names are opaque keys in the store, never paths, but the codec still refuses the shapes
// that were path traversal elsewhere (CVE-2005-1902, CVE-2006-0127, CVE-2006-2414: ".."),
// empty components, control characters (NUL, CR, LF: IMAP-13/17), list wildcards and names
// over the caps (IMAP-19: ≤ 1 KiB, depth ≤ 32, proposed in the test plan).
import { argText } from "./args.js";
import { bad, refuse } from "./codes.js";
import type { ImapArg } from "./lexer.js";
import { decodeMailboxUtf7, encodeMailboxUtf7 } from "./mutf7.js";

export const SEPARATOR = "/";
export const MAX_MAILBOX_BYTES = 1024;
export const MAX_MAILBOX_DEPTH = 32;

// C0, DEL and C1 controls; unpaired surrogates cannot come out of either decoder but are checked.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** "INBOX" in canonical case when the first component is any spelling of it. */
function normaliseInbox(name: string): string {
  const first = name.split(SEPARATOR, 1)[0]!;
  return first.toUpperCase() === "INBOX" ? "INBOX" + name.slice(first.length) : name;
}

/**
 * A decoded mailbox name, checked and normalised ("inbox/x" → "INBOX/x"). Refusals are
 * NO [CANNOT], or NO [LIMIT] for the size caps.
 */
export function checkMailboxName(name: string): string {
  if (name === "") throw refuse("Empty mailbox name", { code: "CANNOT" });
  if (CONTROL.test(name)) throw refuse("Control characters are not allowed in mailbox names", { code: "CANNOT" });
  if (/[*%]/.test(name)) throw refuse("Wildcards are not allowed in mailbox names", { code: "CANNOT" });
  if (Buffer.byteLength(name, "utf8") > MAX_MAILBOX_BYTES) throw refuse("Mailbox name too long", { code: "LIMIT" });
  const components = name.split(SEPARATOR);
  if (components.some((c) => c === "")) throw refuse("Empty hierarchy level in mailbox name", { code: "CANNOT" });
  if (components.some((c) => c === "." || c === "..")) throw refuse("'.' and '..' are not allowed in mailbox names", { code: "CANNOT" });
  if (components.length > MAX_MAILBOX_DEPTH) throw refuse("Mailbox hierarchy too deep", { code: "LIMIT" });
  return normaliseInbox(name);
}

/** The wire text of a name (after string unquoting) decoded: modified UTF-7, or UTF-8 under UTF8=ACCEPT. */
export function decodeMailboxName(text: string, utf8Accept = false): string {
  return utf8Accept ? text : decodeMailboxUtf7(text);
}

/** A mailbox argument (astring): decoded and checked. */
export function parseMailbox(arg: ImapArg | undefined, utf8Accept = false): string {
  if (arg === undefined || arg.type === "list") throw bad("Expected a mailbox name");
  return checkMailboxName(decodeMailboxName(argText(arg, "mailbox name"), utf8Accept));
}

/** CREATE's name: a trailing separator only says the name will have children (RFC 3501 §6.3.3). */
export function parseNewMailbox(arg: ImapArg | undefined, utf8Accept = false): string {
  if (arg === undefined || arg.type === "list") throw bad("Expected a mailbox name");
  const name = decodeMailboxName(argText(arg, "mailbox name"), utf8Accept);
  return checkMailboxName(name.length > 1 && name.endsWith(SEPARATOR) ? name.slice(0, -1) : name);
}

/**
 * A LIST pattern (list-mailbox, RFC 3501 §6.3.8): wildcards are allowed; controls and ".."
 * components are BAD so that `LIST "" "../*"` cannot even be asked (IMAP-17).
 */
export function parseListPattern(arg: ImapArg | undefined, utf8Accept = false): string {
  if (arg === undefined || arg.type === "list") throw bad("Expected a mailbox pattern");
  const pattern = decodeMailboxName(argText(arg, "mailbox pattern"), utf8Accept);
  if (CONTROL.test(pattern)) throw bad("Control characters in mailbox pattern");
  if (pattern.split(SEPARATOR).some((c) => c === "." || c === "..")) throw bad("'.' and '..' are not allowed in mailbox patterns");
  if (Buffer.byteLength(pattern, "utf8") > MAX_MAILBOX_BYTES) throw bad("Mailbox pattern too long");
  return pattern;
}

/** The wire spelling of a stored name: modified UTF-7, or UTF-8 under UTF8=ACCEPT. */
export function encodeMailboxName(name: string, utf8Accept = false): string {
  return utf8Accept ? name : encodeMailboxUtf7(name);
}
