// A DNS zone for tests, behind the DnsResolver port: answers from a map, ENOTFOUND otherwise.
import type { DnsResolver, RecordType } from "../../src/core/ports/dns.js";

export type Zone = Record<string, unknown[]>;

export function zoneResolver(zone: Zone): DnsResolver {
  return async (name: string, rrtype: RecordType) => {
    const key = `${name.toLowerCase().replace(/\.$/, "")} ${rrtype}`;
    const answer = zone[key];
    if (answer) return answer;
    const known = Object.keys(zone).some((k) => k.startsWith(`${name.toLowerCase()} `));
    const err = new Error(`${known ? "ENODATA" : "ENOTFOUND"} ${name}`) as Error & { code: string };
    err.code = known ? "ENODATA" : "ENOTFOUND";
    throw err;
  };
}
