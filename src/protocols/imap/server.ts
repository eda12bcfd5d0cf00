// Binds an IMAP listener (143 with STARTTLS, 993 with implicit TLS, RFC 8314) on the shared
// connection runtime: PROXY protocol, per-IP limits, TLS and graceful close come from
// protocols/net; every accepted connection runs one ImapSession.
import { listenerOptions, startMailServer, type ListenerOptions, type MailServer, type SessionIo } from "../net/mail-server.js";
import { defaultImapLimits, type ImapBackend, type ImapLimits } from "./backend.js";
import { ImapSession } from "./session.js";

export type { ImapBackend, ImapLimits } from "./backend.js";

/** implicitTls: 993, TLS from the first byte; otherwise STARTTLS is offered when `tls` is set. */
export type ImapServerOptions = ListenerOptions & {
  /** Our name in the greeting. */
  readonly hostname: string;
  readonly backend: ImapBackend;
  /** Defaults for any limit not given (src/protocols/imap/settings.ts maps the [imap] settings). */
  readonly limits?: Partial<ImapLimits> | undefined;
};

export type ImapServer = MailServer;

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  const limits: ImapLimits = { ...defaultImapLimits, ...opts.limits };
  const name = opts.implicitTls ? "imaps" : "imap";
  const logger = opts.logger.child({ listener: name });
  const config = { hostname: opts.hostname, backend: opts.backend, limits };
  // RFC 3501 §7.1.5: BYE as the greeting turns a client away.
  const refusal = `* BYE [UNAVAILABLE] ${opts.hostname} Too many connections from your address\r\n`;
  const session = (io: SessionIo) => new ImapSession(config, io, logger).run();
  return startMailServer({ ...listenerOptions(opts), name, alpn: "imap", maxConnectionsPerIp: limits.maxConnectionsPerIp, refusal, session });
}
