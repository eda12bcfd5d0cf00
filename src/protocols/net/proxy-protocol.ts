// PROXY protocol codec (HAProxy, doc/proxy-protocol.txt): the header a TCP load balancer puts
// before the client's bytes so the server learns the client's address. Pure: it looks at the
// bytes received so far and says "need more", "here is the header and its length" or "this is
// not a valid header". It never consumes protocol data: the caller keeps everything after
// `header.length`. Hand-written: the npm packages for it are unmaintained, and it is short.
import ipaddr from "ipaddr.js";
import { normalizeIp, parseIp } from "../../shared/ip.js";

/** v1 allows at most 107 bytes including CRLF (spec §2.1), so a reader never buffers more. */
export const proxyV1MaxLength = 107;
/** 12-byte v2 signature (spec §2.2): it cannot start any text protocol's command. */
export const proxyV2Signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/**
 * Default cap on a v2 header (16 fixed bytes + addresses + TLVs). Real TLVs (AWS VPC endpoint,
 * SSL info, authority, unique id) fit in a few hundred bytes; the 16-bit length would allow
 * 64 KiB of buffering per connection.
 */
export const proxyV2DefaultMaxLength = 4096;

const v1Prefix = Buffer.from("PROXY ", "latin1");
const addressBlockLength = { 1: 12, 2: 36, 3: 216 } as const; // INET, INET6, UNIX

export interface ProxyEndpoint {
  /** Normal form (see shared/ip.ts): IPv4-mapped IPv6 is given as IPv4. */
  address: string;
  port: number;
}

export interface ProxyHeader {
  version: 1 | 2;
  /**
   * Source and destination as the proxy saw them; null for v2 LOCAL (the proxy's own health
   * check), v1 UNKNOWN and v2 UNSPEC/UNIX, where the spec says to use the real connection.
   */
  source: ProxyEndpoint | null;
  destination: ProxyEndpoint | null;
  /** Bytes the header took; protocol data starts right after. */
  length: number;
}

export type ProxyErrorCode = "not_proxy" | "too_long" | "malformed" | "unsupported";

export type ProxyParseResult =
  | { status: "incomplete" }
  | { status: "done"; header: ProxyHeader }
  | { status: "error"; code: ProxyErrorCode; message: string };

const incomplete = { status: "incomplete" } as const;
const fail = (code: ProxyErrorCode, message: string): ProxyParseResult => ({ status: "error", code, message });

/** True while `buf` is a (possibly partial) copy of `prefix`. */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

/**
 * Parses a v1 or v2 header at the start of `buf`, detecting the version from the first bytes.
 * Garbage is reported as soon as a byte cannot belong to a header, not after a timeout.
 */
export function parseProxyHeader(buf: Buffer, opts: { maxLength?: number } = {}): ProxyParseResult {
  if (buf.length === 0) return incomplete;
  if (buf[0] === 0x0d) {
    return startsLike(buf, proxyV2Signature) ? parseV2(buf, opts.maxLength ?? proxyV2DefaultMaxLength) : fail("not_proxy", "not a PROXY protocol header");
  }
  return startsLike(buf, v1Prefix) ? parseV1(buf) : fail("not_proxy", "not a PROXY protocol header");
}

function parseV1(buf: Buffer): ProxyParseResult {
  const window = buf.subarray(0, proxyV1MaxLength);
  for (let i = 0; i < window.length; i++) {
    const byte = window[i] as number;
    if (byte === 0x0d) {
      if (i + 1 >= window.length) return window.length >= proxyV1MaxLength ? fail("too_long", "v1 header over 107 bytes") : incomplete;
      if (window[i + 1] !== 0x0a) return fail("malformed", "v1 header: CR not followed by LF");
      return parseV1Line(window.toString("latin1", 0, i), i + 2);
    }
    // Only printable US-ASCII may appear before CRLF; anything else is garbage, reject now.
    if (byte < 0x20 || byte > 0x7e) return fail("malformed", "v1 header: control or non-ASCII byte");
  }
  return window.length >= proxyV1MaxLength ? fail("too_long", "v1 header over 107 bytes") : incomplete;
}

function parsePort(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function parseV1Line(line: string, length: number): ProxyParseResult {
  const parts = line.split(" ");
  const proto = parts[1];
  // "PROXY UNKNOWN" may carry anything up to CRLF; the receiver ignores it (spec §2.1).
  if (proto === "UNKNOWN") return { status: "done", header: { version: 1, source: null, destination: null, length } };
  if (proto !== "TCP4" && proto !== "TCP6") return fail("unsupported", `v1 header: unknown protocol ${JSON.stringify(proto ?? "")}`);
  if (parts.length !== 6) return fail("malformed", "v1 header: expected 4 fields after the protocol");
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  // The family must match the addresses: "TCP4 ::1 …" is a broken proxy, not a client.
  const isV4 = (a: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a);
  const familyOk = (a: string) => (proto === "TCP4" ? isV4(a) : a.includes(":"));
  const srcAddr = familyOk(src) ? normalizeIp(src) : null;
  const dstAddr = familyOk(dst) ? normalizeIp(dst) : null;
  const srcPort = parsePort(sport);
  const dstPort = parsePort(dport);
  if (srcAddr === null || dstAddr === null) return fail("malformed", "v1 header: bad address");
  if (srcPort === null || dstPort === null) return fail("malformed", "v1 header: bad port");
  return {
    status: "done",
    header: { version: 1, source: { address: srcAddr, port: srcPort }, destination: { address: dstAddr, port: dstPort }, length },
  };
}

function parseV2(buf: Buffer, maxLength: number): ProxyParseResult {
  if (buf.length < 16) return incomplete;
  const verCmd = buf[12] as number;
  const famProto = buf[13] as number;
  const length = 16 + buf.readUInt16BE(14);
  // Version and command values other than 2 and LOCAL/PROXY must be dropped (spec §2.2).
  if (verCmd >> 4 !== 2) return fail("unsupported", `v2 header: version ${verCmd >> 4}`);
  const command = verCmd & 0x0f;
  if (command > 1) return fail("unsupported", `v2 header: command ${command}`);
  if (length > maxLength) return fail("too_long", `v2 header of ${length} bytes is over the ${maxLength}-byte limit`);
  if (buf.length < length) return incomplete;

  const done = (source: ProxyEndpoint | null, destination: ProxyEndpoint | null): ProxyParseResult => ({
    status: "done",
    header: { version: 2, source, destination, length },
  });
  // LOCAL: the proxy talks for itself (health checks); family and addresses are ignored.
  if (command === 0) return done(null, null);

  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (family > 3 || transport > 2) return fail("unsupported", `v2 header: family/transport 0x${famProto.toString(16)}`);
  if (family === 0) return done(null, null); // UNSPEC: use the real connection addresses
  if (transport === 2) return fail("unsupported", "v2 header: datagram transport on a stream listener");
  const needed = addressBlockLength[family as 1 | 2 | 3];
  if (length - 16 < needed) return fail("malformed", "v2 header: address block shorter than its family needs");
  if (family === 3) return done(null, null); // AF_UNIX paths are no client address
  // TLVs after the address block are skipped: nothing here needs them yet.
  const ipLen = family === 1 ? 4 : 16;
  const ip = (offset: number) => formatRaw(buf.subarray(offset, offset + ipLen));
  const portAt = 16 + 2 * ipLen;
  return done(
    { address: ip(16), port: buf.readUInt16BE(portAt) },
    { address: ip(16 + ipLen), port: buf.readUInt16BE(portAt + 2) },
  );
}

function formatRaw(bytes: Buffer): string {
  // Through normalizeIp so an IPv4-mapped INET6 source reads as IPv4, like everywhere else.
  return normalizeIp(ipaddr.fromByteArray(Array.from(bytes)).toString()) as string;
}

/** A v1 header; null endpoints give "PROXY UNKNOWN". For tests and outbound use. */
export function encodeProxyV1(source: ProxyEndpoint | null, destination: ProxyEndpoint | null): Buffer {
  if (source === null || destination === null) return Buffer.from("PROXY UNKNOWN\r\n", "latin1");
  const proto = source.address.includes(":") ? "TCP6" : "TCP4";
  return Buffer.from(`PROXY ${proto} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`, "latin1");
}

/** A v2 header (PROXY over TCP, or LOCAL when endpoints are null), with optional raw TLV bytes. */
export function encodeProxyV2(source: ProxyEndpoint | null, destination: ProxyEndpoint | null, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  if (source === null || destination === null) {
    const head = Buffer.concat([proxyV2Signature, Buffer.from([0x20, 0x00, 0, 0])]);
    head.writeUInt16BE(tlvs.length, 14);
    return Buffer.concat([head, tlvs]);
  }
  const src = parseIp(source.address);
  const dst = parseIp(destination.address);
  if (src === null || dst === null || src.kind() !== dst.kind()) throw new Error("PROXY v2: endpoints must be addresses of one family");
  const v6 = src.kind() === "ipv6";
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(source.port, 0);
  ports.writeUInt16BE(destination.port, 2);
  const body = Buffer.concat([Buffer.from(src.toByteArray()), Buffer.from(dst.toByteArray()), ports, tlvs]);
  const head = Buffer.concat([proxyV2Signature, Buffer.from([0x21, v6 ? 0x21 : 0x11, 0, 0])]);
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}
