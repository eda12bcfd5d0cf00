// The DNS adapter: zone file first, then the configured resolvers.
export { createDnsResolver, type DnsResolverOptions } from "./resolver.js";
export { parseZone, type Zone } from "./zone.js";
