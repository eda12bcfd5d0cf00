// The DnsResolver port for the running server: the zone file first (zone.ts), then node's
// c-ares resolver with the configured servers and timeout. Errors keep node's codes
// (ENOTFOUND, ENODATA, ETIMEOUT, ESERVFAIL …): mailauth and the MX lookup tell "no such
// name" from "try again later" by them.
import { Resolver } from "node:dns/promises";
import type { DnsResolver, RecordType } from "../../core/ports/dns.js";
import { MoatError } from "../../shared/errors.js";
import { emptyZone, loadZone, lookupZone, type Zone } from "./zone.js";

export interface DnsResolverOptions {
  /** "ip" or "ip:port" ("[v6]:port"); empty: the system's resolvers (/etc/resolv.conf). */
  readonly servers: readonly string[];
  /** How long one query may take before it fails with ETIMEOUT. */
  readonly timeoutMs: number;
  /** A JSON file of fixed answers (see zone.ts); empty or absent: none. */
  readonly zoneFile?: string | undefined;
}

export function createDnsResolver(opts: DnsResolverOptions): DnsResolver {
  const zone: Zone = opts.zoneFile ? loadZone(opts.zoneFile) : emptyZone;
  // One try: the setting promises how long a query may take, and c-ares would otherwise repeat
  // it with a growing timeout. A lost UDP answer costs one delivery retry, not a hang.
  const resolver = new Resolver({ timeout: opts.timeoutMs, tries: 1 });
  if (opts.servers.length > 0) {
    try {
      resolver.setServers([...opts.servers]);
    } catch (err) {
      throw new MoatError("config_invalid", `dns.servers: ${opts.servers.join(", ")} are not IP addresses with optional ports`, { cause: err });
    }
  }
  const resolve = resolver.resolve.bind(resolver) as (name: string, rrtype: RecordType) => Promise<unknown[]>;

  return async (name: string, rrtype: RecordType): Promise<unknown[]> => {
    const fixed = lookupZone(zone, name, rrtype);
    if (fixed instanceof Error) throw fixed;
    if (fixed !== undefined) return fixed;
    return resolve(name, rrtype);
  };
}
