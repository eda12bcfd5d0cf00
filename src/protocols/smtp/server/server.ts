// Binds an SMTP listener (MX on 25, submission on 587, submissions on 465) on the shared
// connection runtime: PROXY protocol, per-IP limits, implicit TLS and graceful close come
// from protocols/net; every accepted connection runs one SmtpSession.
import type { Authenticate } from "../../../core/auth/authenticate.js";
import type { MailFlow } from "../../../core/flow/types.js";
import { startMailServer, type MailServerOptions } from "../../net/mail-server.js";
import { formatReply, reply } from "./codec/reply.js";
import type { SessionConfig, SmtpLimits, SmtpRole } from "./context.js";
import { SmtpSession } from "./session.js";

export type { SmtpLimits, SmtpRole } from "./context.js";

/** `tls`: the certificate for STARTTLS (mx, submission) and implicit TLS (submissions, required there). */
export type SmtpServerOptions = Pick<MailServerOptions, "host" | "port" | "tls" | "trustedProxies" | "logger" | "closeGraceMs"> & {
  readonly role: SmtpRole;
  /** Our name in the greeting, EHLO and replies. */
  readonly hostname: string;
  /** The [mail] settings. */
  readonly limits: SmtpLimits;
  readonly flow: MailFlow;
  readonly authenticate: Authenticate;
};

export interface SmtpServer {
  readonly port: number;
  /** Stops accepting, says 421 to idle sessions, lets busy ones finish within the grace period. */
  close(graceMs?: number): Promise<void>;
}

const listenerNames: Record<SmtpRole, string> = { mx: "smtp", submission: "submission", submissions: "submissions" };

export async function startSmtpServer(opts: SmtpServerOptions): Promise<SmtpServer> {
  const implicitTls = opts.role === "submissions";
  const config: SessionConfig = {
    role: opts.role,
    hostname: opts.hostname,
    limits: opts.limits,
    flow: opts.flow,
    authenticate: opts.authenticate,
    startTlsAvailable: opts.tls !== undefined && !implicitTls,
  };
  const logger = opts.logger.child({ listener: listenerNames[opts.role] });
  return startMailServer({
    name: listenerNames[opts.role],
    implicitTls,
    host: opts.host,
    port: opts.port,
    tls: opts.tls,
    trustedProxies: opts.trustedProxies,
    maxConnectionsPerIp: opts.limits.max_connections_per_ip,
    // RFC 5321 §3.8: 421 is the way to turn a client away; it retries later.
    refusal: formatReply(reply(421, "4.7.0", `${opts.hostname} Too many connections from your address, try again later`)),
    closeGraceMs: opts.closeGraceMs,
    logger: opts.logger,
    session: (io) => new SmtpSession(config, io, logger).run(),
  });
}
