// The addresses of an address-list header value (RFC 5322 §3.4) as the Sieve address test
// sees them (RFC 5228 §2.7.4, §5.1): local part and domain of each mailbox, display names and
// comments dropped, group names dropped (an empty group gives no address), quoted local parts
// unquoted. Built strictly on the RFC 5322 tokens: a value such as `boss@corp.example
// <attacker@evil.example>` (what an RFC 2047 display name decodes to) yields the angle
// address only, never the phrase, so a decoded name cannot pass for the sender.
import { tokenize, type Token } from "../../mail/mime/rfc822-tokens.js";

export type ParsedAddress =
  | { readonly valid: true; readonly localpart: string; readonly domain: string }
  /** Not an addr-spec: compared whole by ":all", never matched by ":localpart" or ":domain". */
  | { readonly valid: false; readonly text: string };

/** Addresses looked at per header value: a million-address header is an attack, not mail. */
const MAX_ADDRESSES = 10_000;

function isSpecial(token: Token | undefined, c: string): boolean {
  return token?.kind === "special" && token.text === c;
}

/** local "@" domain from tokens (comments already removed); null when not an addr-spec. */
function addrSpec(tokens: readonly Token[]): { localpart: string; domain: string } | null {
  const at = tokens.findLastIndex((t) => isSpecial(t, "@"));
  if (at <= 0 || at !== tokens.length - 2) return null;
  const local = tokens.slice(0, at);
  const domain = tokens[at + 1]!;
  if (!local.every((t) => t.kind === "atom" || t.kind === "quoted" || isSpecial(t, "."))) return null;
  if (domain.kind !== "atom" && domain.kind !== "literal") return null;
  return { localpart: local.map((t) => t.text).join(""), domain: domain.text };
}

function text(tokens: readonly Token[]): string {
  return tokens.map((t) => (t.kind === "quoted" ? `"${t.text}"` : t.text)).join(" ");
}

/** One mailbox: name-addr (the part inside <>, source route removed) or addr-spec. */
function mailbox(tokens: readonly Token[]): ParsedAddress | null {
  if (tokens.length === 0) return null;
  const open = tokens.findIndex((t) => isSpecial(t, "<"));
  let spec = tokens;
  if (open >= 0) {
    const close = tokens.findIndex((t, i) => i > open && isSpecial(t, ">"));
    spec = tokens.slice(open + 1, close < 0 ? tokens.length : close);
    const colon = spec.findIndex((t) => isSpecial(t, ":"));
    if (colon >= 0) spec = spec.slice(colon + 1); // obs-route "@a,@b:" (RFC 5322 §4.4)
    if (spec.length === 0) return { valid: false, text: "" }; // "<>" (null path in Return-Path)
  }
  const parsed = addrSpec(spec);
  return parsed === null ? { valid: false, text: text(tokens) } : { valid: true, ...parsed };
}

/** Every mailbox of an address-list value, in order. */
export function parseAddressList(value: string): ParsedAddress[] {
  const tokens = tokenize(value).filter((t) => t.kind !== "comment");
  const out: ParsedAddress[] = [];
  let current: Token[] = [];
  let inAngle = false;
  const flush = (): void => {
    const parsed = mailbox(current);
    if (parsed !== null && out.length < MAX_ADDRESSES) out.push(parsed);
    current = [];
  };
  for (const token of tokens) {
    if (isSpecial(token, "<")) inAngle = true;
    else if (isSpecial(token, ">")) inAngle = false;
    if (!inAngle && (isSpecial(token, ",") || isSpecial(token, ";"))) flush();
    else if (!inAngle && isSpecial(token, ":")) current = []; // "group-name:" starts a group
    else current.push(token);
  }
  flush();
  return out;
}

/** An envelope path as SMTP gives it ("user@domain", "" for the null reverse-path). */
export function parseEnvelopeAddress(value: string): ParsedAddress {
  const path = value.trim().replace(/^<(.*)>$/, "$1");
  if (path === "") return { valid: true, localpart: "", domain: "" };
  return mailbox(tokenize(path).filter((t) => t.kind !== "comment")) ?? { valid: false, text: path };
}
