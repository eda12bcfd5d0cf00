// Binds the ManageSieve listener (RFC 5804, port 4190, STARTTLS) on the shared connection
// runtime: PROXY protocol, per-IP limits, TLS and graceful close come from protocols/net;
// every accepted connection runs one ManageSieveSession.
import { listenerOptions, startMailServer, type ListenerOptions, type MailServer } from "../net/mail-server.js";
import { bye } from "./codec/response.js";
import { defaultManageSieveLimits, type ManageSieveBackend, type ManageSieveLimits } from "./context.js";
import { ManageSieveSession } from "./session.js";

export type { ManageSieveBackend, ManageSieveLimits } from "./context.js";

export type ManageSieveServerOptions = Omit<ListenerOptions, "implicitTls"> & {
  readonly backend: ManageSieveBackend;
  /** Defaults for any limit not given. */
  readonly limits?: Partial<ManageSieveLimits> | undefined;
};

export async function startManageSieveServer(opts: ManageSieveServerOptions): Promise<MailServer> {
  const limits: ManageSieveLimits = { ...defaultManageSieveLimits, ...opts.limits };
  const logger = opts.logger.child({ listener: "managesieve" });
  const config = { backend: opts.backend, limits };
  return startMailServer({
    // RFC 5804 §1.8: no implicit-TLS port; STARTTLS on 4190.
    ...listenerOptions({ ...opts, implicitTls: false }),
    name: "managesieve",
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    refusal: bye("Too many connections from your address", "TRYLATER"),
    session: (io) => new ManageSieveSession(config, io, logger).run(),
  });
}
