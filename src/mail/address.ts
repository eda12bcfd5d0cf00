// Mail addresses in their one canonical form. Accounts, aliases and groups are compared
// case-insensitively (RFC 5321 allows case-sensitive local parts, but every mail system an
// admin migrates from treats them as insensitive, and two mailboxes differing only in case
// are a phishing gift). Domains are stored in ASCII (punycode, RFC 5891) and shown in Unicode.
import { domainToASCII, domainToUnicode } from "node:url";

declare const addressBrand: unique symbol;
declare const domainBrand: unique symbol;

/** A lower-cased local part and an ASCII (punycode) domain, validated. */
export type Address = string & { readonly [addressBrand]: true };
/** A lower-cased ASCII (punycode) domain name, validated. */
export type DomainName = string & { readonly [domainBrand]: true };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const MAX_ADDRESS = 254; // RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
const MAX_LOCAL = 64; // RFC 5321 §4.5.3.1.1
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// dot-atom (RFC 5322 §3.2.3) plus UTF-8 letters (RFC 6531). Quoted local parts are refused
// for accounts: they exist mainly to smuggle '@', '%' and spaces past naive relay checks.
const ATOM = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;

// A name that domainToASCII would give back unchanged: ASCII letters, digits and hyphens in
// two or more labels, the last starting with a letter (WHATWG's host parser reads a numeric
// last label as IPv4 and fails it), none a punycode label (xn--, which it checks). Every name
// of mail addresses in practice; it skips the IDNA machinery, a few microseconds per address,
// paid for every RCPT, sender, header From and login. Lower-casing comes after the test, as in
// the general path, so no non-ASCII letter can lower-case its way in.
const plainAsciiDomain = /^(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*$/;
const punycodeLabel = /(?:^|\.)xn--/i;

export function parseDomain(input: string): Parsed<DomainName> {
  const trimmed = input.trim().replace(/\.$/, "");
  if (trimmed === "" || /[\s@/\\]/.test(trimmed)) return { ok: false, error: `'${input}' is not a domain name` };
  const ascii = plainAsciiDomain.test(trimmed) && !punycodeLabel.test(trimmed) ? trimmed.toLowerCase() : domainToASCII(trimmed.normalize("NFC").toLowerCase());
  if (ascii === "") return { ok: false, error: `'${input}' is not a valid domain name` };
  const labels = ascii.split(".");
  if (labels.length < 2 || ascii.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return { ok: false, error: `'${input}' is not a valid domain name` };
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { ok: false, error: `'${input}' is an IP address, not a domain name` };
  return { ok: true, value: ascii as DomainName };
}

export function parseAddress(input: string): Parsed<Address> {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1) return { ok: false, error: `'${input}' is not an address (expected name@domain)` };
  const local = trimmed.slice(0, at).normalize("NFC").toLowerCase();
  const domain = parseDomain(trimmed.slice(at + 1));
  if (!domain.ok) return { ok: false, error: `'${input}': ${domain.error}` };
  const dotAtom = local.split(".");
  if (Buffer.byteLength(local) > MAX_LOCAL || !dotAtom.every((a) => ATOM.test(a))) {
    return { ok: false, error: `'${input}' has an invalid local part` };
  }
  const address = `${local}@${domain.value}`;
  if (Buffer.byteLength(address) > MAX_ADDRESS) return { ok: false, error: `'${input}' is too long` };
  return { ok: true, value: address as Address };
}

export function domainOf(address: Address): DomainName {
  return address.slice(address.lastIndexOf("@") + 1) as DomainName;
}

export function localPartOf(address: Address): string {
  return address.slice(0, address.lastIndexOf("@"));
}

/** The domain as a person reads it: Unicode for IDN domains. */
export function displayDomain(domain: DomainName): string {
  return domainToUnicode(domain) || domain;
}

export function displayAddress(address: Address): string {
  return `${localPartOf(address)}@${displayDomain(domainOf(address))}`;
}
