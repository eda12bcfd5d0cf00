// `moat start`: settings → store → core → every listener, and a clean stop on SIGTERM/SIGINT.
// The ports actually bound go to the log and to <data>/ports.json for scripts and tests.
import fs from "node:fs";
import path from "node:path";
import { openMoat, type Moat } from "./app.js";
import { listenerNames, type ListenerName } from "./config/schema.js";
import type { LoadedSettings } from "./config/load.js";
import { CidrSet } from "./shared/ip.js";
import { MoatError } from "./shared/errors.js";
import type { Logger } from "./shared/logger.js";
import { startSmtpServer, type SmtpRole } from "./protocols/smtp/server/server.js";
import { startImapServer, type ImapBackend } from "./protocols/imap/server.js";
import { imapLimitsFrom } from "./protocols/imap/settings.js";
import { startPop3Server } from "./protocols/pop3/server.js";
import { startManageSieveServer } from "./protocols/managesieve/server.js";
import { manageSieveBackend, manageSieveLimitsFrom } from "./protocols/managesieve/settings.js";
import { startHttpServer } from "./web/server.js";
import { registerWebRoutes, type WebServices } from "./web/routes/index.js";

export type Ports = Partial<Record<ListenerName, number>>;

export interface RunningServer {
  readonly moat: Moat;
  readonly ports: Ports;
  /** Resolves once the server has stopped (after close() or a signal). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** The SMTP listeners and the role each plays. */
const smtpRoles: Partial<Record<ListenerName, SmtpRole>> = { smtp: "mx", submission: "submission", submissions: "submissions" };

/** The IMAP listeners and whether TLS starts at connect (993) or with STARTTLS (143). */
const imapListeners: Partial<Record<ListenerName, { implicitTls: boolean }>> = { imap: { implicitTls: false }, imaps: { implicitTls: true } };

/** What IMAP needs from Moat; the body index is read through the store here, where store/ may be reached. */
function imapBackend(moat: Moat): ImapBackend {
  return {
    authenticate: moat.authenticate,
    mailboxes: moat.mailboxes,
    events: moat.events,
    bodies: moat.store.messages,
  };
}

/** What the web API needs from Moat (web/routes/index.ts registers every route with it). */
function webServices(moat: Moat): WebServices {
  return { authenticate: moat.authenticate, webSessions: moat.webSessions, appPasswords: moat.loginSecurity.appPasswords, passwordReset: moat.phone.selfReset, phones: moat.phone.phones, twoFactor: moat.loginSecurity.twoFactor, logins: moat.logins, loginEvents: moat.loginEvents, loginSettings: moat.loginSecurity.settings };
}

/** The POP3 listeners and whether TLS starts at connect (995) or with STLS (110). */
const pop3Listeners: Partial<Record<ListenerName, { implicitTls: boolean }>> = { pop3: { implicitTls: false }, pop3s: { implicitTls: true } };

function readTls(loaded: LoadedSettings): { cert: Buffer; key: Buffer } {
  const certPath = path.resolve(loaded.dataDir, loaded.settings.tls.cert);
  const keyPath = path.resolve(loaded.dataDir, loaded.settings.tls.key);
  try {
    return { cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath) };
  } catch {
    throw new MoatError("config_invalid", `setting tls.cert/tls.key: cannot read ${certPath} and ${keyPath}`);
  }
}

function writePorts(dataDir: string, ports: Ports): void {
  const file = path.join(dataDir, "ports.json");
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(ports)}\n`);
  fs.renameSync(`${file}.tmp`, file); // readers never see a half-written file
}

/** A port that cannot be bound is a settings problem: say which key, not a stack trace. */
async function bind<T>(name: ListenerName, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new MoatError("config_invalid", `setting ${name}.port: ${host}:${port} is already in use`);
    if (code === "EACCES") throw new MoatError("config_invalid", `setting ${name}.port: no permission to bind ${host}:${port} (ports below 1024 need root)`);
    if (code === "EADDRNOTAVAIL") throw new MoatError("config_invalid", `setting ${name}.host: ${host} is not an address of this machine`);
    throw err;
  }
}

interface MailListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  readonly tls: { cert: Buffer; key: Buffer };
  readonly trustedProxies: CidrSet;
  readonly logger: Logger;
}

/** The [pop3] settings as the POP3 server's limits. */
function pop3LimitsFrom(settings: LoadedSettings["settings"]) {
  const limits = settings.pop3;
  return {
    idleTimeoutMs: limits.idle_timeout_seconds * 1000,
    maxAuthFailures: limits.max_auth_failures,
    maxInvalidCommands: limits.max_invalid_commands,
    maxConnectionsPerIp: limits.max_connections_per_ip,
  };
}

export async function startServer(loaded: LoadedSettings, logger: Logger): Promise<RunningServer> {
  const { settings } = loaded;
  const trustedProxies = CidrSet.parse(settings.listen.trusted_proxies);
  const tls = readTls(loaded);
  const moat = await openMoat(loaded, logger);
  // GeoIP for access policies by country (decision 0015): ~45 MB and ~90 ms, once, before any login waits on it.
  moat.loginSecurity.geoip?.open();
  const running: Array<{ close(): Promise<void> }> = [];
  const ports: Ports = {};

  /** The server behind one listener. */
  const startService = (name: ListenerName, common: MailListenerOptions): Promise<{ port: number; close(): Promise<void> }> => {
    if (name === "http") return startHttpServer({ ...common, tls: settings.http.tls ? tls : undefined, routes: (app) => registerWebRoutes(app, webServices(moat)) });
    const role = smtpRoles[name];
    if (role) return startSmtpServer({ ...common, role, limits: settings.mail, flow: moat.flow, authenticate: moat.authenticate });
    const imap = imapListeners[name];
    if (imap) return startImapServer({ ...common, implicitTls: imap.implicitTls, backend: imapBackend(moat), limits: imapLimitsFrom(settings) });
    const pop3 = pop3Listeners[name];
    if (pop3) return startPop3Server({ ...common, implicitTls: pop3.implicitTls, backend: { authenticate: moat.authenticate, maildrops: moat.maildrops }, limits: pop3LimitsFrom(settings) });
    if (name === "managesieve") return startManageSieveServer({ ...common, backend: manageSieveBackend(moat.authenticate, moat.sieve), limits: manageSieveLimitsFrom(settings) });
    throw new Error(`no service for the ${name} listener`);
  };

  try {
    for (const name of listenerNames) {
      const conf = settings[name];
      if (!conf.enabled) continue;
      const host = conf.host ?? settings.listen.host;
      // What every mail listener is given alike.
      const common = { host, port: conf.port, hostname: settings.server.hostname, tls, trustedProxies, logger };
      const server = await bind(name, host, conf.port, () => startService(name, common));
      running.push(server);
      ports[name] = server.port;
    }
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.close()));
    await moat.close();
    throw err;
  }

  moat.outbound.start();
  moat.loginSecurity.startRevocationSweep(logger);
  moat.phone.startUpkeep();
  moat.blobUpkeep.start();
  moat.flowUpkeep.start();
  // Login records past [login_records] retention_days (default 180): at start, then hourly.
  moat.logins.startPruning(logger);
  moat.loginAlerts.start();
  writePorts(loaded.dataDir, ports);
  logger.info({ ports, dataDir: loaded.dataDir, database: moat.store.dialect }, "moat started");

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      await Promise.allSettled(running.map((r) => r.close()));
      await moat.close();
      logger.info("moat stopped");
      resolveClosed();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "stopping");
    void close();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return { moat, ports, closed, close };
}
