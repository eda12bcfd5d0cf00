// POP3 command lines (RFC 1939 §3, RFC 2449 §4): a keyword of 3–4 letters, case-insensitive,
// then arguments separated by single spaces. Lines are at most 255 octets with the CRLF
// (RFC 2449 §4); AUTH and PASS lines may be longer, as a SASL PLAIN response or a password
// that our policy accepts (up to 1024 characters, decision 0002) needs it.

/** RFC 2449 §4: 255 octets including CRLF. */
export const maxCommandLine = 253;
/** AUTH, PASS and SASL continuation lines: room for 1024-character UTF-8 passwords in base64. */
export const maxCredentialLine = 8192;

/** The limit for the line starting with `head`. */
export function commandLineLimit(head: Buffer): number {
  const keyword = head.subarray(0, 5).toString("latin1").toUpperCase();
  return keyword === "AUTH " || keyword === "PASS " ? maxCredentialLine : maxCommandLine;
}

export interface Pop3Command {
  /** Upper-case. */
  readonly keyword: string;
  /** Space-separated arguments. */
  readonly args: readonly string[];
  /** Everything after the keyword and one space (RFC 1939 §7: PASS may contain spaces). */
  readonly rest: string;
}

export type ParsedCommand = { readonly ok: true; readonly command: Pop3Command } | { readonly ok: false; readonly error: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseCommand(line: Buffer): ParsedCommand {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return { ok: false, error: "Invalid characters in command" };
  }
  // NUL, CR, other controls and DEL never belong in a command (test plan POP-09).
  if (hasControl(text)) return { ok: false, error: "Invalid characters in command" };
  const space = text.indexOf(" ");
  const keyword = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  if (!/^[A-Z]{3,4}$/.test(keyword)) return { ok: false, error: "Unknown command" };
  const rest = space < 0 ? "" : text.slice(space + 1);
  const args = rest === "" ? [] : rest.split(" ");
  return { ok: true, command: { keyword, args, rest } };
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A message number or count (RFC 1939: decimal, no sign); null when it is not one. */
export function parseNumber(arg: string | undefined): number | null {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return null;
  return Number(arg);
}
