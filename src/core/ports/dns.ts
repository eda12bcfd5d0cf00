// DNS as a port: mailauth (SPF, DKIM, DMARC, ARC) and outbound MX lookup ask through it, so
// tests and closed networks answer from a zone file and nothing waits on the internet.
export type RecordType = "A" | "AAAA" | "MX" | "TXT" | "PTR" | "CNAME";

/**
 * Same shapes as node's dns.promises.resolve(name, rrtype): A/AAAA/PTR/CNAME → string[],
 * MX → {exchange, priority}[], TXT → string[][]. Rejects with an Error whose `code` is
 * "ENOTFOUND" (no such name) or "ENODATA" (no record of that type), or another code
 * (e.g. "ETIMEOUT") for a temporary failure — mailauth relies on these codes.
 */
export type DnsResolver = (name: string, rrtype: RecordType) => Promise<unknown[]>;
