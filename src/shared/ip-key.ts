// An address as 32 hex digits, so IP and CIDR filters over stored addresses are text range
// scans that sort the same in SQLite and PostgreSQL (collation "C"), and one index serves
// both families: IPv4 is keyed as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), which is how
// parseIp's normal form and CidrSet already treat a mapped client (decision 0024).
import { CidrSet, parseIp, type IpAddress } from "./ip.js";

function bytesOf(addr: IpAddress): number[] {
  const bytes = addr.toByteArray();
  return addr.kind() === "ipv4" ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes] : bytes;
}

const hex = (bytes: readonly number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

/** The key of an address (normal form first: ::ffff:1.2.3.4 and 1.2.3.4 are one key), or null. */
export function ipKey(text: string): string | null {
  const addr = parseIp(text);
  return addr === null ? null : hex(bytesOf(addr));
}

/**
 * The first and last key of an address or CIDR range ("203.0.113.0/24", "2001:db8::/32"; a bare
 * address is /32 or /128). Throws invalid_input, naming the text, when it is neither.
 */
export function ipKeyRange(text: string): { readonly from: string; readonly to: string } {
  const [normal] = CidrSet.parse([text.trim()]).entries as [string];
  const slash = normal.indexOf("/");
  const addr = parseIp(normal.slice(0, slash)) as IpAddress;
  const bits = Number(normal.slice(slash + 1)) + (addr.kind() === "ipv4" ? 96 : 0);
  const low = bytesOf(addr);
  const high = [...low];
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8)); // network bits in this byte
    const hostMask = 0xff >> keep;
    low[i] = low[i]! & ~hostMask & 0xff;
    high[i] = high[i]! | hostMask;
  }
  return { from: hex(low), to: hex(high) };
}
