// Arguments of the commands around the session: LOGIN (RFC 3501 §6.2.3), AUTHENTICATE with
// SASL-IR (RFC 4959) and its continuation lines (RFC 3501 §6.2.2), SASL PLAIN (RFC 4616),
// ID (RFC 2971) and ENABLE (RFC 5161). The caps on ID come from RFC 2971 §3.3 and stop a
// client from filling memory before login (test plan IMAP-06).
import { decodeBase64 as strictBase64, decodePlain } from "../../net/sasl.js";
import { ArgReader, argText } from "./args.js";
import { bad } from "./codes.js";
import type { ImapArg } from "./lexer.js";

const MECHANISM = /^[A-Z0-9_-]{1,20}$/; // RFC 4422 §3.1 sasl-mech
export const ID_MAX_PAIRS = 30;
export const ID_MAX_FIELD = 30;
export const ID_MAX_VALUE = 1024;

/** Strict base64 (RFC 4648 §4, padding required): anything else is BAD, never decoded loosely. */
export function decodeBase64(text: string): Buffer {
  const bytes = strictBase64(text);
  if (bytes === null) throw bad("Invalid base64");
  return bytes;
}

/** LOGIN userid password; NUL is refused in both (CVE-2019-11500 class). */
export function parseLogin(args: readonly ImapArg[]): { username: string; password: string } {
  const reader = new ArgReader(args);
  const username = reader.astring("user name");
  const password = reader.astring("password");
  reader.end();
  return { username, password };
}

export interface AuthenticateArgs {
  readonly mechanism: string;
  /** SASL-IR initial response; an empty Buffer for "=", null when there is none. */
  readonly initialResponse: Buffer | null;
}

/** AUTHENTICATE mechanism [initial-response] (RFC 4959 §3). */
export function parseAuthenticate(args: readonly ImapArg[]): AuthenticateArgs {
  const reader = new ArgReader(args);
  const mechanism = reader.atom("mechanism").toUpperCase();
  if (!MECHANISM.test(mechanism)) throw bad("Invalid mechanism");
  let initialResponse: Buffer | null = null;
  if (!reader.done) {
    const text = reader.atom("initial response");
    initialResponse = text === "=" ? Buffer.alloc(0) : decodeBase64(text);
  }
  reader.end();
  return { mechanism, initialResponse };
}

/** A client's line during AUTHENTICATE: "*" cancels (answered with BAD), else base64 data. */
export function parseSaslResponse(line: Buffer): { readonly cancel: true } | { readonly cancel: false; readonly data: Buffer } {
  const text = line.toString("latin1");
  if (text === "*") return { cancel: true };
  return { cancel: false, data: text === "" ? Buffer.alloc(0) : decodeBase64(text) };
}

/** PLAIN (RFC 4616 §2): [authzid] NUL authcid NUL passwd, in UTF-8; a fourth field is BAD (IMAP-07). */
export function decodeSaslPlain(data: Buffer): { authzid: string; username: string; password: string } {
  const plain = decodePlain(data);
  if (plain === null || plain.authcid === "" || plain.password === "") throw bad("Invalid PLAIN response");
  return { authzid: plain.authzid, username: plain.authcid, password: plain.password };
}

/** ID ( "field" "value"|NIL … ) or NIL (RFC 2971 §3.3); field names are compared case-insensitively. */
export function parseId(args: readonly ImapArg[]): ReadonlyMap<string, string | null> | null {
  const reader = new ArgReader(args);
  const arg = reader.take("ID parameters");
  reader.end();
  if (arg.type === "nil") return null;
  if (arg.type !== "list" || arg.items.length % 2 !== 0) throw bad("Invalid ID parameters");
  if (arg.items.length > ID_MAX_PAIRS * 2) throw bad("Too many ID fields");
  const fields = new Map<string, string | null>();
  for (let i = 0; i < arg.items.length; i += 2) {
    const name = argText(arg.items[i], "ID field");
    const valueArg = arg.items[i + 1]!;
    const value = valueArg.type === "nil" ? null : argText(valueArg, "ID value");
    if (Buffer.byteLength(name) > ID_MAX_FIELD || (value !== null && Buffer.byteLength(value) > ID_MAX_VALUE)) throw bad("ID field too long");
    if (fields.has(name.toLowerCase())) throw bad("Duplicate ID field");
    fields.set(name.toLowerCase(), value);
  }
  return fields;
}

/** ENABLE capability … (RFC 5161 §3.1): at least one, upper-cased. */
export function parseEnable(args: readonly ImapArg[]): string[] {
  const reader = new ArgReader(args);
  const caps = [reader.atom("capability")];
  while (!reader.done) caps.push(reader.atom("capability"));
  return [...new Set(caps.map((c) => c.toUpperCase()))];
}
