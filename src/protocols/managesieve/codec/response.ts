// ManageSieve responses (RFC 5804 §1.3, §4): OK, NO or BYE with an optional response code in
// parentheses and an optional human-readable string; capability lines; script listings; a
// script as a literal. Text that a quoted string cannot hold (line breaks, over 1024 octets)
// goes as a literal, so compile errors keep one problem per line. Pure: no sockets here.
import { maxQuotedOctets } from "./command.js";

/** RFC 5804 §1.3 response codes (QUOTA/… and TAG, SASL carry more). */
export type ResponseCode =
  | "AUTH-TOO-WEAK"
  | "ENCRYPT-NEEDED"
  | "QUOTA"
  | "QUOTA/MAXSCRIPTS"
  | "QUOTA/MAXSIZE"
  | "TRANSITION-NEEDED"
  | "TRYLATER"
  | "ACTIVE"
  | "NONEXISTENT"
  | "ALREADYEXISTS"
  | "WARNINGS"
  | { readonly tag: string };

/** A string as the server sends it: quoted when it can be, else a literal {n}. */
export function string(text: string): string {
  const octets = Buffer.byteLength(text, "utf8");
  if (octets <= maxQuotedOctets && !/[\r\n\0]/.test(text)) return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `{${octets}}\r\n${text}`;
}

function codeText(code: ResponseCode): string {
  return typeof code === "string" ? code : `TAG ${string(code.tag)}`;
}

function response(status: "OK" | "NO" | "BYE", text: string | undefined, code: ResponseCode | undefined): string {
  const parts: string[] = [status];
  if (code !== undefined) parts.push(`(${codeText(code)})`);
  if (text !== undefined && text !== "") parts.push(string(text));
  return `${parts.join(" ")}\r\n`;
}

export const ok = (text?: string, code?: ResponseCode) => response("OK", text, code);
export const no = (text: string, code?: ResponseCode) => response("NO", text, code);
export const bye = (text: string, code?: ResponseCode) => response("BYE", text, code);

/** One capability: a name alone ("STARTTLS") or with its value ("SIEVE" "fileinto …"). */
export type Capability = readonly [name: string, value?: string];

/** RFC 5804 §1.7: one line per capability, then OK (the greeting and CAPABILITY alike). */
export function capabilityResponse(capabilities: readonly Capability[], text: string): string {
  const lines = capabilities.map(([name, value]) => (value === undefined ? string(name) : `${string(name)} ${string(value)}`));
  return `${lines.map((l) => `${l}\r\n`).join("")}${ok(text)}`;
}

/** RFC 5804 §2.7: a line per script, the active one marked. */
export function scriptListing(scripts: readonly { name: string; active: boolean }[]): string {
  const lines = scripts.map((s) => `${string(s.name)}${s.active ? " ACTIVE" : ""}\r\n`);
  return `${lines.join("")}${ok("Listscripts completed")}`;
}

/** RFC 5804 §2.9: the script as a literal, then OK. */
export function scriptContent(text: string): string {
  return `{${Buffer.byteLength(text, "utf8")}}\r\n${text}\r\n${ok("Getscript completed")}`;
}

/** RFC 5804 §2.1: a SASL challenge is a string (base64); PLAIN's first one is empty. */
export function challenge(base64: string): string {
  return `${string(base64)}\r\n`;
}
