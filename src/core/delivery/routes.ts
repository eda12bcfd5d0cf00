// Where mail for a remote domain goes: a static route for the domain, else the smarthost,
// else the domain's MX hosts (RFC 5321 §5.1), each resolved to addresses through the DNS port
// so that tests and closed networks need no internet DNS and the SMTP client never resolves.
import net from "node:net";
import type { DomainName } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { DnsResolver } from "../ports/dns.js";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface RouteTable {
  readonly routes: ReadonlyMap<string, HostPort>;
  readonly smarthost: HostPort | undefined;
}

/** One address to try: connect to `address`, expect a certificate for `name` (if any). */
export interface NextHop {
  readonly address: string;
  readonly port: number;
  /** The host name (MX or relay); undefined when the route named an IP address. */
  readonly name: string | undefined;
}

export type RouteResult =
  | { readonly kind: "hops"; readonly hops: readonly NextHop[]; /** for logs: "mx", "route", "smarthost" */ readonly via: string }
  /**
   * permanent: the domain cannot receive mail (no such domain, null MX); else try later.
   * status: the RFC 3463 code a bounce reports.
   */
  | { readonly kind: "fail"; readonly permanent: boolean; readonly code: number; readonly status: string; readonly reason: string };

const SMTP_PORT = 25;
/** Addresses tried per attempt across all MX hosts, as Postfix's smtp_mx_address_limit. */
const MAX_HOPS = 5;

/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export function parseHostPort(text: string, what: string): HostPort {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(trimmed);
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : net.isIPv6(trimmed) ? [trimmed, undefined] : plain ? [plain[1]!, plain[2]] : [];
  const portNumber = port === undefined ? SMTP_PORT : Number(port);
  if (host === undefined || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw new MoatError("config_invalid", `${what}: '${text}' is not host:port`);
  }
  return { host: host.toLowerCase(), port: portNumber };
}

/** From the [relay] settings: routes "domain=host:port" and the smarthost "host:port". */
export function routeTable(relay: { readonly routes: readonly string[]; readonly smarthost: string }): RouteTable {
  const routes = new Map<string, HostPort>();
  for (const entry of relay.routes) {
    const eq = entry.indexOf("=");
    const domain = entry.slice(0, eq).trim().toLowerCase().replace(/\.$/, "");
    if (eq <= 0 || domain === "") throw new MoatError("config_invalid", `relay.routes: '${entry}' is not domain=host:port`);
    routes.set(domain, parseHostPort(entry.slice(eq + 1), "relay.routes"));
  }
  return { routes, smarthost: relay.smarthost.trim() === "" ? undefined : parseHostPort(relay.smarthost, "relay.smarthost") };
}

/** The static route or smarthost that applies to a domain, or undefined for MX delivery. */
export function fixedRoute(table: RouteTable, domain: DomainName): { via: "route" | "smarthost"; target: HostPort } | undefined {
  const route = table.routes.get(domain);
  if (route) return { via: "route", target: route };
  return table.smarthost ? { via: "smarthost", target: table.smarthost } : undefined;
}

const errorCode = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string" ? (err as { code: string }).code : undefined;

type Lookup<T> = { ok: true; records: T[] } | { ok: false; code: string };

async function lookup<T>(dns: DnsResolver, name: string, type: "A" | "AAAA" | "MX"): Promise<Lookup<T>> {
  try {
    return { ok: true, records: (await dns(name, type)) as T[] };
  } catch (err) {
    return { ok: false, code: errorCode(err) ?? "ESERVFAIL" };
  }
}

/**
 * A then AAAA addresses of a host. IPv4 first: a server without IPv6 routing (common) would
 * otherwise spend its connect timeout on every AAAA before the A it can reach. `definitive`:
 * both lookups said "no such name / no such record", not "try again".
 */
async function addressesOf(dns: DnsResolver, host: string): Promise<{ addresses: string[]; definitive: boolean }> {
  if (net.isIP(host)) return { addresses: [host], definitive: true };
  const [a, aaaa] = await Promise.all([lookup<string>(dns, host, "A"), lookup<string>(dns, host, "AAAA")]);
  const addresses = [...(a.ok ? a.records : []), ...(aaaa.ok ? aaaa.records : [])];
  const settled = (r: Lookup<string>) => r.ok || r.code === "ENOTFOUND" || r.code === "ENODATA";
  return { addresses, definitive: settled(a) && settled(aaaa) };
}

/** Equal-preference MX hosts are tried in random order (RFC 5321 §5.1) to spread the load. */
function orderMx(records: Array<{ exchange: string; priority: number }>, random: () => number) {
  return records
    .map((r) => ({ ...r, tie: random() }))
    .sort((a, b) => a.priority - b.priority || a.tie - b.tie)
    .map((r) => r.exchange.toLowerCase().replace(/\.$/, ""));
}

export async function resolveRoute(
  domain: DomainName,
  table: RouteTable,
  dns: DnsResolver,
  random: () => number = Math.random,
): Promise<RouteResult> {
  const fixed = fixedRoute(table, domain);
  if (fixed) {
    const { addresses } = await addressesOf(dns, fixed.target.host);
    if (addresses.length === 0) {
      return { kind: "fail", permanent: false, code: 451, status: "4.4.4", reason: `${fixed.via} host ${fixed.target.host} has no address` };
    }
    const name = net.isIP(fixed.target.host) ? undefined : fixed.target.host;
    return { kind: "hops", via: fixed.via, hops: addresses.slice(0, MAX_HOPS).map((address) => ({ address, port: fixed.target.port, name })) };
  }

  const mx = await lookup<{ exchange: string; priority: number }>(dns, domain, "MX");
  let hosts: string[];
  let implicit = false;
  if (mx.ok && mx.records.length > 0) {
    hosts = orderMx(mx.records, random);
    // RFC 7505: a single MX of "." says the domain accepts no mail at all.
    if (hosts.length === 1 && hosts[0] === "") {
      return { kind: "fail", permanent: true, code: 556, status: "5.1.10", reason: `${domain} does not accept mail (null MX)` };
    }
    hosts = hosts.filter((h) => h !== "");
  } else if (!mx.ok && mx.code !== "ENODATA") {
    if (mx.code === "ENOTFOUND") return { kind: "fail", permanent: true, code: 550, status: "5.1.2", reason: `the domain ${domain} does not exist` };
    return { kind: "fail", permanent: false, code: 451, status: "4.4.3", reason: `MX lookup for ${domain} failed (${mx.code})` };
  } else {
    // No MX records: the domain itself is the implicit MX (RFC 5321 §5.1).
    hosts = [domain];
    implicit = true;
  }

  const hops: NextHop[] = [];
  let definitive = true;
  for (const host of hosts) {
    const found = await addressesOf(dns, host);
    definitive &&= found.definitive;
    for (const address of found.addresses) if (hops.length < MAX_HOPS) hops.push({ address, port: SMTP_PORT, name: host });
    if (hops.length >= MAX_HOPS) break;
  }
  if (hops.length > 0) return { kind: "hops", via: "mx", hops };
  // Implicit MX with no address at all: the domain cannot receive mail. A listed MX host
  // without an address is more likely a DNS mistake being fixed: try again later.
  if (implicit && definitive) {
    return { kind: "fail", permanent: true, code: 550, status: "5.1.2", reason: `the domain ${domain} has no MX or address records` };
  }
  return { kind: "fail", permanent: false, code: 451, status: "4.4.4", reason: `no address found for the mail servers of ${domain}` };
}
