// The one connection runtime every protocol listens through (SMTP, IMAP, POP3, HTTP): binds the
// port, learns the real client address from a trusted proxy's PROXY header, does implicit TLS,
// applies per-IP limits, and shuts down gracefully. Protocols only see `onConnection`.
import { setMaxListeners } from "node:events";
import net from "node:net";
import type { Logger } from "pino";
import { CidrSet, isLoopback, normalizeIp } from "../../shared/ip.js";
import { readProxyHeader } from "./proxy-reader.js";
import { secureContextGetter, upgradeToTls, type TlsSource, type UpgradeOptions } from "./tls.js";

export { upgradeToTls, type TlsSource, type UpgradeOptions } from "./tls.js";

export interface ConnectionInfo {
  /** The client's address in normal form: from the PROXY header when a trusted proxy sent one. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Where the client connected to; "" and 0 once the socket is closed. */
  readonly localAddress: string;
  readonly localPort: number;
  /** The trusted proxy's own address when it relayed this client, else null. */
  readonly viaProxy: string | null;
  /** Implicit TLS was negotiated on this connection. */
  readonly tls: boolean;
  /** TLS, or a loopback client: Dovecot's rule for where plaintext logins are acceptable. */
  readonly secure: boolean;
  /** Aborted when the listener starts closing: the protocol should say goodbye and end. */
  readonly closing: AbortSignal;
}

export type ConnectionHandler = (socket: net.Socket, info: ConnectionInfo) => void | Promise<void>;

export interface ListenerOptions {
  /** For log lines: "imap", "submission", … */
  name?: string;
  host: string;
  /** 0 takes a free port; the chosen one is in `Listener.port`. */
  port: number;
  /** Implicit TLS (993, 995, 465, HTTPS): the handshake runs before `onConnection`. */
  tls?: TlsSource | undefined;
  alpnProtocols?: string[];
  /** Peers whose PROXY header is required and believed (listen.trusted_proxies). */
  trustedProxies?: CidrSet;
  /**
   * "required" (default): a trusted peer must send a PROXY header, as SMTP/IMAP/POP3 behind a
   * TCP load balancer always get one. "optional": a trusted peer's header is used when its
   * first bytes are one and left alone otherwise (HTTP, where a trusted reverse proxy may send
   * X-Forwarded-For instead; no HTTP request starts like a PROXY header).
   */
  proxyProtocol?: "required" | "optional";
  /** How long a trusted proxy may take to send its header; 5 s, as a proxy sends it at once. */
  proxyHeaderTimeoutMs?: number;
  proxyHeaderMaxLength?: number;
  handshakeTimeoutMs?: number;
  /** Open connections per client address (after PROXY); unlimited when absent. */
  maxConnectionsPerIp?: number;
  /** Answers a client over the per-IP limit in its protocol's words; default: disconnect. */
  onTooManyConnections?: (socket: net.Socket, info: ConnectionInfo) => void;
  /** How long `close()` lets sessions finish before destroying them. */
  closeGraceMs?: number;
  logger?: Logger;
  onConnection: ConnectionHandler;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting, aborts `info.closing`, waits up to the grace period, destroys the rest. */
  close(graceMs?: number): Promise<void>;
}

export const defaultProxyHeaderTimeoutMs = 5_000;
export const defaultCloseGraceMs = 10_000;

export async function startListener(opts: ListenerOptions): Promise<Listener> {
  const log = opts.logger?.child({ listener: opts.name ?? "listener" });
  const trusted = opts.trustedProxies ?? CidrSet.empty();
  const secureContext = opts.tls === undefined ? null : secureContextGetter(opts.tls);
  const closing = new AbortController();
  // Every open session listens for the close (its idle wait); thousands is normal, not a leak.
  setMaxListeners(0, closing.signal);
  /** Sockets still in set-up (PROXY header, TLS handshake): nobody to say goodbye, so cut at close. */
  const pending = new Set<net.Socket>();
  /** Sockets handed to the protocol (raw and TLS layers): given the grace period. */
  const active = new Set<net.Socket>();
  const perIp = new Map<string, number>();
  const upgradeOptions: UpgradeOptions = {};
  if (opts.alpnProtocols) upgradeOptions.alpnProtocols = opts.alpnProtocols;
  if (opts.handshakeTimeoutMs !== undefined) upgradeOptions.handshakeTimeoutMs = opts.handshakeTimeoutMs;

  const track = (set: Set<net.Socket>, socket: net.Socket) => {
    set.add(socket);
    socket.once("close", () => set.delete(socket));
  };

  const countIp = (ip: string, raw: net.Socket): boolean => {
    const n = perIp.get(ip) ?? 0;
    if (opts.maxConnectionsPerIp !== undefined && n >= opts.maxConnectionsPerIp) return false;
    perIp.set(ip, n + 1);
    raw.once("close", () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
    return true;
  };

  type ClientAddress = { remoteAddress: string; remotePort: number; viaProxy: string | null };

  /** The real client of `raw`: from the PROXY header when the peer is trusted. Null: close it. */
  async function clientOf(raw: net.Socket, peer: string): Promise<ClientAddress | null> {
    const direct = { remoteAddress: peer, remotePort: raw.remotePort ?? 0, viaProxy: null };
    if (!trusted.has(peer)) return direct;
    // Required by default: without it every client would appear to come from the proxy,
    // which IP rules and login records must never see.
    const result = await readProxyHeader(raw, {
      timeoutMs: opts.proxyHeaderTimeoutMs ?? defaultProxyHeaderTimeoutMs,
      optional: opts.proxyProtocol === "optional",
      ...(opts.proxyHeaderMaxLength !== undefined ? { maxLength: opts.proxyHeaderMaxLength } : {}),
    });
    if (result.status === "error") {
      // A socket cut by close() is not the proxy's fault: no warning then.
      if (!closing.signal.aborted) log?.warn({ proxy: peer, code: result.code, reason: result.message }, "trusted proxy sent no valid PROXY header; closing");
      return null;
    }
    // LOCAL / UNKNOWN / absent: the proxy speaks for itself, its own address stands.
    if (result.status !== "done" || result.header.source === null) return direct;
    return { remoteAddress: result.header.source.address, remotePort: result.header.source.port, viaProxy: peer };
  }

  async function accept(raw: net.Socket): Promise<void> {
    // Without a listener, one client's ECONNRESET would be an uncaught error for the process.
    raw.on("error", (err) => log?.debug({ err: err.message }, "socket error"));
    const peer = raw.remoteAddress === undefined ? null : normalizeIp(raw.remoteAddress);
    if (peer === null || closing.signal.aborted) return void raw.destroy();
    track(pending, raw);

    const client = await clientOf(raw, peer);
    if (client === null) return void raw.destroy();
    const { remoteAddress, remotePort, viaProxy } = client;
    if (raw.destroyed || closing.signal.aborted) return void raw.destroy();

    const withinLimit = countIp(remoteAddress, raw);
    if (!withinLimit && !opts.onTooManyConnections) {
      log?.info({ ip: remoteAddress }, "too many connections from one address; disconnecting");
      return void raw.destroy();
    }

    let socket: net.Socket = raw;
    if (secureContext !== null) {
      try {
        socket = await upgradeToTls(raw, secureContext(), upgradeOptions);
      } catch (err) {
        log?.debug({ ip: remoteAddress, err: (err as Error).message }, "TLS handshake failed");
        return;
      }
      if (closing.signal.aborted) return void socket.destroy();
    }
    pending.delete(raw);
    track(active, raw);
    if (socket !== raw) track(active, socket);

    const info: ConnectionInfo = {
      remoteAddress,
      remotePort,
      // Asked of the kernel (getsockname) only when read, while the socket is open: no protocol
      // reads them on every connection, and a syscall per connection is felt in a login loop.
      get localAddress() {
        return normalizeIp(raw.localAddress ?? "") ?? raw.localAddress ?? "";
      },
      get localPort() {
        return raw.localPort ?? 0;
      },
      viaProxy,
      tls: socket !== raw,
      secure: socket !== raw || isLoopback(remoteAddress),
      closing: closing.signal,
    };
    if (!withinLimit) return opts.onTooManyConnections?.(socket, info);
    log?.debug({ ip: remoteAddress, port: remotePort, viaProxy, tls: info.tls }, "connection");
    await Promise.resolve()
      .then(() => opts.onConnection(socket, info))
      .catch((err: unknown) => {
        log?.error({ err }, "connection handler failed");
        socket.destroy();
      });
  }

  const server = net.createServer();
  server.on("connection", (raw) => {
    accept(raw).catch((err: unknown) => {
      log?.error({ err }, "connection set-up failed");
      raw.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log?.error({ err }, "listener error"));
  const address = server.address() as net.AddressInfo;
  log?.info({ host: opts.host, port: address.port, tls: secureContext !== null, trustedProxies: trusted.entries }, "listening");

  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    close(graceMs = opts.closeGraceMs ?? defaultCloseGraceMs) {
      closed ??= (async () => {
        closing.abort();
        for (const socket of pending) socket.destroy();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        const timer = setTimeout(() => {
          if (active.size > 0) log?.info({ open: active.size }, "grace period over; closing remaining connections");
          for (const socket of active) socket.destroy();
        }, graceMs);
        await stopped;
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}
