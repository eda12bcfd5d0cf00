// Who is the client of an HTTP request, and did it arrive over TLS? Every IP rule and login
// record on the web channel uses this answer, so forwarded headers are believed only as far
// as a chain of trusted proxies vouches for them; anyone can write an X-Forwarded-For.
import { isLoopback, normalizeIp, type CidrSet } from "../shared/ip.js";

export interface ConnectionFacts {
  /** The TCP peer after any PROXY header (see protocols/net/listener.ts). */
  address: string;
  /** TLS on this connection. */
  tls: boolean;
}

export interface ForwardedHeaders {
  forwardedFor?: string | string[] | undefined;
  forwardedProto?: string | string[] | undefined;
}

export interface ClientFacts {
  ip: string;
  /** TLS from the client's point of view, or a loopback client. */
  secure: boolean;
}

const joinHeader = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value.join(",") : (value ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/**
 * One X-Forwarded-For entry: an address, optionally with a port as some load balancers add
 * ("203.0.113.9:4711", "[2001:db8::5]:4711"). Null for anything else ("unknown", names).
 */
export function parseForwardedEntry(entry: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return normalizeIp(bracketed[1] as string);
  const direct = normalizeIp(entry);
  if (direct !== null) return direct;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  return withPort ? normalizeIp(withPort[1] as string) : null;
}

/**
 * Walks X-Forwarded-For from the right (the entry our peer appended) while each hop is a
 * trusted proxy, and returns the first untrusted one: everything to its left was written by
 * that client and may be forged. An entry that is not an address stops the walk at the last
 * hop we could vouch for. From an untrusted peer the header is ignored entirely.
 * `forwarded` is false when the answer is the peer itself.
 */
export function forwardedClientIp(peer: string, forwardedFor: string | string[] | undefined, trusted: CidrSet): { ip: string; forwarded: boolean } {
  if (!trusted.has(peer)) return { ip: peer, forwarded: false };
  let ip = peer;
  let forwarded = false;
  const hops = joinHeader(forwardedFor);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseForwardedEntry(hops[i] as string);
    if (hop === null) break;
    ip = hop;
    forwarded = true;
    if (!trusted.has(hop)) break;
  }
  return { ip, forwarded };
}

/**
 * The client address and whether its connection is secure. For a client relayed by trusted
 * proxies, "secure" means it spoke TLS to the edge: our own hop's TLS (or the proxy's loopback
 * connection) says nothing about that, and X-Forwarded-Proto counts only when every value in
 * it is https, since each proxy may append one and the client may forge the leftmost.
 */
export function resolveClient(conn: ConnectionFacts, headers: ForwardedHeaders, trusted: CidrSet): ClientFacts {
  const { ip, forwarded } = forwardedClientIp(conn.address, headers.forwardedFor, trusted);
  if (!forwarded) return { ip, secure: conn.tls || isLoopback(ip) };
  const protos = joinHeader(headers.forwardedProto).map((p) => p.toLowerCase());
  const forwardedTls = protos.length > 0 && protos.every((p) => p === "https");
  return { ip, secure: forwardedTls || isLoopback(ip) };
}
