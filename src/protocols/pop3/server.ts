// Binds a POP3 listener (110 with STLS, 995 with implicit TLS, RFC 8314) on the shared
// connection runtime: PROXY protocol, per-IP limits, TLS and graceful close come from
// protocols/net; every accepted connection runs one Pop3Session.
import { listenerOptions, startMailServer, type ListenerOptions, type MailServer } from "../net/mail-server.js";
import { err } from "./codec/reply.js";
import { defaultPop3Limits, type Pop3Backend, type Pop3Limits } from "./context.js";
import { Pop3Session } from "./session.js";

export type { Pop3Backend, Pop3Limits } from "./context.js";

/** implicitTls: 995, TLS from the first byte; otherwise STLS is offered when `tls` is set. */
export type Pop3ServerOptions = ListenerOptions & {
  /** Our name in the greeting. */
  readonly hostname: string;
  readonly backend: Pop3Backend;
  /** Defaults for any limit not given. */
  readonly limits?: Partial<Pop3Limits> | undefined;
};

export type Pop3Server = MailServer;

export async function startPop3Server(opts: Pop3ServerOptions): Promise<Pop3Server> {
  const limits: Pop3Limits = { ...defaultPop3Limits, ...opts.limits };
  const name = opts.implicitTls ? "pop3s" : "pop3";
  const logger = opts.logger.child({ listener: name });
  const config = { hostname: opts.hostname, backend: opts.backend, limits };
  return startMailServer({
    ...listenerOptions(opts),
    name,
    alpn: "pop3",
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    // A negative greeting turns the client away; [SYS/TEMP] says to retry later (RFC 3206).
    refusal: err(`${opts.hostname} Too many connections from your address`, "SYS/TEMP"),
    session: (io) => new Pop3Session(config, io, logger).run(),
  });
}
