// The HTTP API server: a Fastify app served through the shared connection runtime
// (protocols/net/listener.ts), so HTTP takes PROXY headers from trusted proxies exactly like
// IMAP or SMTP, and then X-Forwarded-For from trusted proxies on top (see client-ip.ts).
// One setting, listen.trusted_proxies, covers both kinds of proxy: on this port a trusted
// peer's PROXY header is optional, since an HTTP reverse proxy sends X-Forwarded-For instead.
import http from "node:http";
import type net from "node:net";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { startListener, type ConnectionInfo } from "../protocols/net/listener.js";
import { normalizeIp, type CidrSet } from "../shared/ip.js";
import { resolveClient } from "./client-ip.js";
import { registerErrorHandling } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The client's address after PROXY and trusted X-Forwarded-For; use it, never `ip`. */
    clientIp: string;
    /** TLS as the client sees it, or a loopback client: where passwords may be sent. */
    secure: boolean;
  }
}

export interface BuildHttpOptions {
  trustedProxies: CidrSet;
  logger?: Logger | undefined;
  routes?: ((app: FastifyInstance) => void) | undefined;
  /** Largest request body; 1 MiB fits every JSON call, uploads get their own route limit. */
  bodyLimit?: number;
}

export interface HttpServerOptions extends BuildHttpOptions {
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  maxConnectionsPerIp?: number;
  closeGraceMs?: number;
}

export interface RunningHttpServer {
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** What the listener learnt about each connection, looked up by the socket a request came on. */
const connectionInfo = new WeakMap<net.Socket, ConnectionInfo>();
/** Apps whose server is shutting down: their responses end keep-alive connections. */
const draining = new WeakSet<FastifyInstance>();

function connectionFacts(socket: net.Socket | undefined): { address: string; tls: boolean } {
  const info = socket ? connectionInfo.get(socket) : undefined;
  if (info) return { address: info.remoteAddress, tls: info.tls };
  // Not from our listener (app.inject() in tests, or app.listen()): the socket is all we have.
  const raw = socket?.remoteAddress ?? "";
  return { address: normalizeIp(raw) ?? raw, tls: (socket as { encrypted?: boolean } | undefined)?.encrypted === true };
}

export function buildHttpServer(opts: BuildHttpOptions): FastifyInstance {
  // Typed as Fastify's logger so the app is a plain FastifyInstance for route modules.
  const loggerInstance: FastifyBaseLogger | undefined = opts.logger;
  const app: FastifyInstance = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    // The listener does TCP, TLS and PROXY; this plain server only parses HTTP on its sockets.
    serverFactory: (handler) => http.createServer({ keepAliveTimeout: 72_000 }, handler),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Fastify's request log shows the proxy's address; we log the client's in onResponse.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
  });

  app.decorateRequest("clientIp", "");
  app.decorateRequest("secure", false);
  app.addHook("onRequest", (request, _reply, done) => {
    const client = resolveClient(
      connectionFacts(request.raw.socket),
      { forwardedFor: request.headers["x-forwarded-for"], forwardedProto: request.headers["x-forwarded-proto"] },
      opts.trustedProxies,
    );
    request.clientIp = client.ip;
    request.secure = client.secure;
    done();
  });
  app.addHook("onSend", (_request, reply, _payload, done) => {
    if (draining.has(app)) reply.header("connection", "close");
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    // Path without the query string: tokens in links must not land in the log.
    const path = request.url.split("?", 1)[0];
    request.log.info({ method: request.method, path, status: reply.statusCode, ip: request.clientIp, ms: Math.round(reply.elapsedTime) }, "request");
    done();
  });

  registerErrorHandling(app);
  app.get("/healthz", async () => ({ ok: true }));
  // For setting up a load balancer: shows the address and security Moat believes for you.
  app.get("/api/v1/connection", async (request) => ({ ip: request.clientIp, secure: request.secure }));
  opts.routes?.(app);
  return app;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const app = buildHttpServer(opts);
  await app.ready();
  const server = app.server as http.Server;
  // Node starts its headersTimeout/requestTimeout checks (slow-loris defence) on 'listening';
  // this server never listens itself, its sockets come from the listener below.
  server.emit("listening");

  const listener = await startListener({
    name: "http",
    host: opts.host,
    port: opts.port,
    tls: opts.tls,
    alpnProtocols: ["http/1.1"],
    trustedProxies: opts.trustedProxies,
    // A trusted reverse proxy may speak plain HTTP with X-Forwarded-For and no PROXY header.
    proxyProtocol: "optional",
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.maxConnectionsPerIp !== undefined ? { maxConnectionsPerIp: opts.maxConnectionsPerIp } : {}),
    ...(opts.closeGraceMs !== undefined ? { closeGraceMs: opts.closeGraceMs } : {}),
    onConnection: (socket, info) => {
      connectionInfo.set(socket, info);
      server.emit("connection", socket);
    },
  });

  let closed: Promise<void> | undefined;
  return {
    port: listener.port,
    app,
    close() {
      closed ??= (async () => {
        draining.add(app);
        // Ends idle keep-alive connections now and stops the timeout checks; busy ones close
        // after their response (onSend) or when the listener's grace period runs out.
        server.close();
        await listener.close();
        await app.close();
      })();
      return closed;
    },
  };
}
