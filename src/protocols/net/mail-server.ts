// What every mail protocol's server does with the listener (SMTP, POP3, IMAP): implicit TLS
// or STARTTLS with the one certificate, PROXY protocol, the per-IP limit answered in the
// protocol's words, and one session per connection.
import type net from "node:net";
import type tls from "node:tls";
import type { Logger } from "pino";
import type { CidrSet } from "../../shared/ip.js";
import { startListener, type TlsSource } from "./listener.js";
import { secureContextGetter } from "./tls.js";

/** What a protocol session is given about its connection. */
export interface SessionIo {
  readonly socket: net.Socket;
  /** The client's address (after a trusted proxy's PROXY header). */
  readonly ip: string;
  /** TLS, or a loopback client: where plaintext logins are acceptable (decision 0003). */
  readonly secure: boolean;
  /** Implicit TLS on this connection. */
  readonly tls: boolean;
  /** Aborted when the listener starts closing. */
  readonly closing: AbortSignal;
  /** The certificate for STARTTLS/STLS; null on implicit-TLS ports and without a certificate. */
  readonly secureContext: (() => tls.SecureContext) | null;
}

export interface MailServerOptions {
  /** The listener's name for logs and errors: "pop3s", "submission", … */
  readonly name: string;
  /** TLS from the first byte (465, 993, 995, RFC 8314); STARTTLS is offered otherwise when `tls` is set. */
  readonly implicitTls: boolean;
  readonly host: string;
  /** 0 takes a free port. */
  readonly port: number;
  readonly tls?: TlsSource | undefined;
  /** ALPN protocol id on implicit TLS (ALPACA, test plan A1.5), e.g. "pop3". */
  readonly alpn?: string | undefined;
  readonly trustedProxies?: CidrSet | undefined;
  readonly maxConnectionsPerIp: number;
  /** The protocol's greeting that turns away a client over the per-IP limit (with its CRLF). */
  readonly refusal: string;
  readonly closeGraceMs?: number | undefined;
  readonly logger: Logger;
  /** Runs one session; resolves when it has ended. */
  readonly session: (io: SessionIo) => Promise<void>;
}

/** The options a protocol's server passes to its listener as they are. */
export type ListenerOptions = Pick<MailServerOptions, "implicitTls" | "host" | "port" | "tls" | "trustedProxies" | "logger" | "closeGraceMs">;

export function listenerOptions(opts: ListenerOptions): ListenerOptions {
  const { implicitTls, host, port, tls, trustedProxies, logger, closeGraceMs } = opts;
  return { implicitTls, host, port, tls, trustedProxies, logger, closeGraceMs };
}

export interface MailServer {
  readonly port: number;
  close(graceMs?: number): Promise<void>;
}

export async function startMailServer(opts: MailServerOptions): Promise<MailServer> {
  if (opts.implicitTls && opts.tls === undefined) throw new Error(`the ${opts.name} listener needs a TLS certificate`);
  const secureContext = opts.tls !== undefined && !opts.implicitTls ? secureContextGetter(opts.tls) : null;
  const listener = await startListener({
    name: opts.name,
    host: opts.host,
    port: opts.port,
    tls: opts.implicitTls ? opts.tls : undefined,
    ...(opts.implicitTls && opts.alpn !== undefined ? { alpnProtocols: [opts.alpn] } : {}),
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    maxConnectionsPerIp: opts.maxConnectionsPerIp,
    onTooManyConnections: (socket) => {
      socket.on("error", () => undefined);
      socket.end(opts.refusal);
    },
    ...(opts.closeGraceMs !== undefined ? { closeGraceMs: opts.closeGraceMs } : {}),
    logger: opts.logger,
    onConnection: (socket, info) => {
      // Replies leave whole (session-output.ts gathers them), so Nagle only adds delay: with it,
      // a reply's second segment waits for the client's delayed ACK, ~40 ms a command.
      socket.setNoDelay(true);
      return opts.session({ socket, ip: info.remoteAddress, secure: info.secure, tls: info.tls, closing: info.closing, secureContext });
    },
  });
  return { port: listener.port, close: (graceMs) => listener.close(graceMs) };
}
