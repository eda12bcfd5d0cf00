// IP address helpers shared by every listener and by the login rules. One parser, one
// normal form: a rule written as 1.2.3.4 must match a client that a dual-stack socket reports
// as ::ffff:1.2.3.4, and a login record must show the same string for both.
import ipaddr from "ipaddr.js";
import { MoatError } from "./errors.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an address strictly: IPv4 only as four decimal parts (ipaddr.js alone also takes
 * "127.1", "0x7f.1" or "10", which would let a forwarded header smuggle a loopback address
 * past a naive string check), IPv6 in any standard form. IPv4-mapped IPv6 becomes IPv4 and a
 * zone id (%eth0) is dropped, since neither changes which host it is. Null when not an address.
 */
export function parseIp(text: string): IpAddress | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * IPv6 with any zone id dropped and a dotted IPv4 tail checked as strictly as plain IPv4:
 * ipaddr.js takes "::ffff:0x7f.0.0.1" and reads "::127.0.0.1" as IPv4-mapped; RFC 4291 says
 * the latter is ::7f00:1, so the tail is rewritten as two hex groups before parsing.
 */
function parseIpv6(text: string): ipaddr.IPv6 | null {
  let plain = text.split("%", 1)[0] as string;
  const dotted = /^(.*:)([^:]*\.[^:]*)$/.exec(plain);
  if (dotted) {
    const [, head, tail] = dotted as unknown as [string, string, string];
    if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return null;
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    plain = `${head}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  return ipaddr.IPv6.isValid(plain) ? ipaddr.IPv6.parse(plain) : null;
}

/** The text of a parsed address: dotted IPv4, RFC 5952 IPv6 (lower case, shortest form). */
export function formatIp(addr: IpAddress): string {
  return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/**
 * The normal form of an address (`::ffff:1.2.3.4` → `1.2.3.4`, `2001:DB8:0::1` → `2001:db8::1`),
 * or null when the text is not an address.
 */
export function normalizeIp(text: string): string | null {
  const addr = parseIp(text);
  return addr === null ? null : formatIp(addr);
}

/** Whether the address is on the loopback network (127.0.0.0/8 or ::1, mapped forms included). */
export function isLoopback(text: string): boolean {
  return parseIp(text)?.range() === "loopback";
}

type Range = [IpAddress, number];

function parseEntry(entry: string): Range | null {
  const slash = entry.indexOf("/");
  if (slash < 0) {
    const addr = parseIp(entry);
    return addr === null ? null : [addr, addr.kind() === "ipv4" ? 32 : 128];
  }
  const addrText = entry.slice(0, slash);
  const bitsText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) {
    return bits <= 32 ? [ipaddr.IPv4.parse(addrText), bits] : null;
  }
  const v6 = bits <= 128 ? parseIpv6(addrText) : null;
  if (v6 === null) return null;
  // ::ffff:10.0.0.0/104 means 10.0.0.0/8; addresses are matched after mapping to IPv4.
  if (v6.isIPv4MappedAddress() && bits >= 96) return [v6.toIPv4Address(), bits - 96];
  return [v6, bits];
}

/**
 * A set of CIDR ranges (e.g. listen.trusted_proxies). A bare address counts as /32 or /128.
 * Membership is tested on the normal form, so IPv4 rules match IPv4-mapped IPv6 clients.
 */
export class CidrSet {
  private readonly ranges: readonly Range[];
  /** The ranges in normal form ("10.0.0.0/8", "2001:db8::/32"), for logs and diagnostics. */
  readonly entries: readonly string[];

  private constructor(ranges: Range[]) {
    this.ranges = ranges;
    this.entries = ranges.map(([addr, bits]) => `${formatIp(addr)}/${bits}`);
  }

  /** Parses a list (or a comma-separated string); throws invalid_input naming the first bad entry. */
  static parse(list: readonly string[] | string): CidrSet {
    const items = typeof list === "string" ? list.split(",") : list;
    const ranges: Range[] = [];
    for (const raw of items) {
      const entry = raw.trim();
      if (entry === "" && typeof list === "string") continue; // "a, b," from an env variable
      const range = parseEntry(entry);
      if (range === null) throw new MoatError("invalid_input", `not an IP address or CIDR range: ${JSON.stringify(raw)}`);
      ranges.push(range);
    }
    return new CidrSet(ranges);
  }

  /** The empty set: nobody is trusted (the default for listen.trusted_proxies). */
  static empty(): CidrSet {
    return new CidrSet([]);
  }

  get size(): number {
    return this.ranges.length;
  }

  /** Whether the address is inside one of the ranges; false for text that is not an address. */
  has(ip: string): boolean {
    if (this.ranges.length === 0) return false;
    const addr = parseIp(ip);
    if (addr === null) return false;
    return this.ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  }
}
