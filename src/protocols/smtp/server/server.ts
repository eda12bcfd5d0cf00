// Binds an SMTP listener (MX on 25, submission on 587, submissions on 465) on the shared
// connection runtime: PROXY protocol, per-IP limits, implicit TLS and graceful close come
// from protocols/net; every accepted connection runs one SmtpSession.
import type net from "node:net";
import type { Logger } from "pino";
import type { Authenticate } from "../../../core/auth/authenticate.js";
import type { MailFlow } from "../../../core/flow/types.js";
import type { CidrSet } from "../../../shared/ip.js";
import { startListener, type TlsSource } from "../../net/listener.js";
import { secureContextGetter } from "../../net/tls.js";
import { formatReply, reply } from "./codec/reply.js";
import type { SessionConfig, SmtpLimits, SmtpRole } from "./context.js";
import { SmtpSession } from "./session.js";

export type { SmtpLimits, SmtpRole } from "./context.js";

export interface SmtpServerOptions {
  readonly role: SmtpRole;
  readonly host: string;
  /** 0 takes a free port; the chosen one is in `SmtpServer.port`. */
  readonly port: number;
  /** Our name in the greeting, EHLO and replies. */
  readonly hostname: string;
  /** Certificate for STARTTLS (mx, submission) and for implicit TLS (submissions, required there). */
  readonly tls?: TlsSource | undefined;
  /** Peers whose PROXY header is believed (listen.trusted_proxies). */
  readonly trustedProxies?: CidrSet | undefined;
  /** The [mail] settings. */
  readonly limits: SmtpLimits;
  readonly flow: MailFlow;
  readonly authenticate: Authenticate;
  readonly logger: Logger;
  /** How long close() lets sessions finish; the listener's default (10 s) when absent. */
  readonly closeGraceMs?: number | undefined;
}

export interface SmtpServer {
  readonly port: number;
  /** Stops accepting, says 421 to idle sessions, lets busy ones finish within the grace period. */
  close(graceMs?: number): Promise<void>;
}

const listenerNames: Record<SmtpRole, string> = { mx: "smtp", submission: "submission", submissions: "submissions" };

export async function startSmtpServer(opts: SmtpServerOptions): Promise<SmtpServer> {
  if (opts.role === "submissions" && opts.tls === undefined) throw new Error("the submissions listener needs a TLS certificate");
  const implicitTls = opts.role === "submissions";
  const startTlsContext = opts.tls !== undefined && !implicitTls ? secureContextGetter(opts.tls) : null;
  const config: SessionConfig = {
    role: opts.role,
    hostname: opts.hostname,
    limits: opts.limits,
    flow: opts.flow,
    authenticate: opts.authenticate,
    startTlsAvailable: startTlsContext !== null,
  };
  const logger = opts.logger.child({ listener: listenerNames[opts.role] });

  const listener = await startListener({
    name: listenerNames[opts.role],
    host: opts.host,
    port: opts.port,
    tls: implicitTls ? opts.tls : undefined,
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    maxConnectionsPerIp: opts.limits.max_connections_per_ip,
    onTooManyConnections: (socket) => refuse(socket, opts.hostname),
    ...(opts.closeGraceMs !== undefined ? { closeGraceMs: opts.closeGraceMs } : {}),
    logger: opts.logger,
    onConnection: (socket, info) => {
      const io = { socket, ip: info.remoteAddress, secure: info.secure, closing: info.closing, secureContext: startTlsContext };
      return new SmtpSession(config, io, logger).run();
    },
  });
  return { port: listener.port, close: (graceMs) => listener.close(graceMs) };
}

/** RFC 5321 §3.8: 421 is the way to turn a client away; it retries later. */
function refuse(socket: net.Socket, hostname: string): void {
  socket.on("error", () => undefined);
  socket.end(formatReply(reply(421, "4.7.0", `${hostname} Too many connections from your address, try again later`)));
}
