// A command line as bytes → verb and argument text (RFC 5321 §4.1.1). Refuses what no SMTP
// client sends and what lets an attacker confuse logs or parsers: NUL and other control
// characters (test plan SMTP-23: "no truncation at NUL") and invalid UTF-8 (RFC 6531 allows
// UTF-8 in addresses, nothing else).

export type ParsedCommand =
  | { readonly ok: true; readonly verb: string; readonly args: string }
  | { readonly ok: false; readonly reason: "control_character" | "invalid_utf8" };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * HTTP request methods. A browser made to POST to port 25 (cross-protocol attacks, ALPACA)
 * sends one as its first word; like chasquid we answer 502 5.7.0 and close at once, instead
 * of answering each header line as an unknown command.
 */
const httpVerbs = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

export function isHttpVerb(verb: string): boolean {
  return httpVerbs.has(verb);
}

export function parseCommandLine(line: Buffer): ParsedCommand {
  for (const byte of line) {
    // HT is tolerated (some clients separate with it); every other C0 control and DEL is not.
    if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return { ok: false, reason: "control_character" };
  }
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return { ok: false, reason: "invalid_utf8" };
  }
  const trimmed = text.replace(/[ \t]+$/, "");
  const space = trimmed.search(/[ \t]/);
  const verb = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  const args = space < 0 ? "" : trimmed.slice(space + 1).replace(/^[ \t]+/, "");
  return { ok: true, verb, args };
}
