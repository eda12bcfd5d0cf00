// Binds an IMAP listener (143 with STARTTLS, 993 with implicit TLS, RFC 8314) on the shared
// connection runtime: PROXY protocol, per-IP limits, implicit TLS and graceful close come from
// protocols/net; every accepted connection runs one ImapSession.
import type net from "node:net";
import type { Logger } from "pino";
import type { CidrSet } from "../../shared/ip.js";
import { startListener, type TlsSource } from "../net/listener.js";
import { secureContextGetter } from "../net/tls.js";
import { defaultImapLimits, type ImapBackend, type ImapLimits } from "./backend.js";
import { ImapSession } from "./session.js";

export type { ImapBackend, ImapLimits } from "./backend.js";

export interface ImapServerOptions {
  /** 993: TLS from the first byte; otherwise STARTTLS is offered when `tls` is set. */
  readonly implicitTls: boolean;
  readonly host: string;
  /** 0 takes a free port; the chosen one is in `ImapServer.port`. */
  readonly port: number;
  /** Our name in the greeting. */
  readonly hostname: string;
  readonly tls?: TlsSource | undefined;
  readonly trustedProxies?: CidrSet | undefined;
  readonly backend: ImapBackend;
  /** Defaults for any limit not given (settings for IMAP may come later). */
  readonly limits?: Partial<ImapLimits> | undefined;
  readonly logger: Logger;
  readonly closeGraceMs?: number | undefined;
}

export interface ImapServer {
  readonly port: number;
  close(graceMs?: number): Promise<void>;
}

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  if (opts.implicitTls && opts.tls === undefined) throw new Error("the imaps listener needs a TLS certificate");
  const limits: ImapLimits = { ...defaultImapLimits, ...opts.limits };
  const secureContext = opts.tls !== undefined && !opts.implicitTls ? secureContextGetter(opts.tls) : null;
  const name = opts.implicitTls ? "imaps" : "imap";
  const logger = opts.logger.child({ listener: name });
  const config = { hostname: opts.hostname, backend: opts.backend, limits, secureContext };

  const listener = await startListener({
    name,
    host: opts.host,
    port: opts.port,
    tls: opts.implicitTls ? opts.tls : undefined,
    ...(opts.implicitTls ? { alpnProtocols: ["imap"] } : {}),
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    onTooManyConnections: (socket) => refuse(socket, opts.hostname),
    ...(opts.closeGraceMs !== undefined ? { closeGraceMs: opts.closeGraceMs } : {}),
    logger: opts.logger,
    onConnection: (socket, info) => {
      const io = { socket, ip: info.remoteAddress, secure: info.secure, tls: info.tls, closing: info.closing };
      return new ImapSession(config, io, logger).run();
    },
  });
  return { port: listener.port, close: (graceMs) => listener.close(graceMs) };
}

/** RFC 3501 §7.1.5: BYE as the greeting turns a client away. */
function refuse(socket: net.Socket, hostname: string): void {
  socket.on("error", () => undefined);
  socket.end(`* BYE [UNAVAILABLE] ${hostname} Too many connections from your address\r\n`);
}
