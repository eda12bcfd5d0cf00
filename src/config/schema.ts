// The one settings schema: every key has a default and a doc line (.describe). The TOML file
// and MOAT_<SECTION>_<KEY> environment variables are validated by it at boot.
import os from "node:os";
import { z } from "zod";
import { CidrSet } from "../shared/ip.js";
import { bool, int, list, port, text } from "./fields.js";

export const listenerNames = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "managesieve", "http"] as const;
export type ListenerName = (typeof listenerNames)[number];

/** Standard ports when we may bind them (root), unprivileged ones otherwise. */
export function defaultPorts(privileged: boolean): Record<ListenerName, number> {
  return privileged
    ? { smtp: 25, submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995, managesieve: 4190, http: 443 }
    : { smtp: 2525, submission: 2587, submissions: 2465, imap: 1143, imaps: 1993, pop3: 1110, pop3s: 1995, managesieve: 4190, http: 8080 };
}

const listenerDocs: Record<ListenerName, string> = {
  smtp: "SMTP MX: mail from the internet for our domains",
  submission: "SMTP submission with STARTTLS (587)",
  submissions: "SMTP submission over implicit TLS (465)",
  imap: "IMAP with STARTTLS (143)",
  imaps: "IMAP over implicit TLS (993)",
  pop3: "POP3 with STLS (110)",
  pop3s: "POP3 over implicit TLS (995)",
  managesieve: "ManageSieve (RFC 5804) with STARTTLS: users' Sieve filter scripts (4190)",
  http: "HTTP API and web UI (TLS when tls is on)",
};

function listenerShape(name: ListenerName, defaultPort: number) {
  return z.strictObject({
    host: text().optional().describe(`address to bind; defaults to listen.host`),
    port: port().default(defaultPort).describe(`${listenerDocs[name]}; 0 takes a free port`),
    enabled: bool().default(true).describe("whether to start this listener"),
  });
}

const listener = (name: ListenerName, defaultPort: number) => listenerShape(name, defaultPort).prefault({});

export function settingsSchema(privileged: boolean) {
  const ports = defaultPorts(privileged);
  return z.strictObject({
    server: z
      .strictObject({
        hostname: text().default(os.hostname()).describe("the name this server gives in greetings and Received headers"),
      })
      .prefault({}),
    listen: z
      .strictObject({
        host: text().default("0.0.0.0").describe("address every listener binds unless it sets its own host"),
        trusted_proxies: list()
          .default([])
          .superRefine((entries, ctx) => {
            try {
              CidrSet.parse(entries);
            } catch (err) {
              ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "expected IP addresses or CIDR ranges" });
            }
          })
          .describe("CIDRs whose PROXY protocol header / X-Forwarded-For is believed (env MOAT_TRUSTED_PROXIES)"),
      })
      .prefault({}),
    smtp: listener("smtp", ports.smtp),
    submission: listener("submission", ports.submission),
    submissions: listener("submissions", ports.submissions),
    // The IMAP session limits sit with the imap listener and apply to imaps too.
    imap: listenerShape("imap", ports.imap)
      .extend({
        idle_timeout_seconds: int(1800, 86_400).default(1800).describe("IMAP and IMAPS: log out a client silent this long once logged in (RFC 3501 asks for at least 30 minutes)"),
        idle_keepalive_seconds: int(10, 1740).default(120).describe("IMAP and IMAPS: during IDLE, send \"* OK Still here\" this often (under the 30-minute autologout)"),
        login_timeout_seconds: int(5, 1800).default(60).describe("IMAP and IMAPS: close a client that has not logged in and is silent this long"),
        max_commands_before_login: int(3, 1000).default(20).describe("IMAP and IMAPS: commands allowed before login; then BYE"),
        max_invalid_commands: int(1, 1000).default(20).describe("IMAP and IMAPS: BAD answers on one connection before BYE"),
        max_auth_failures: int(1, 100).default(3).describe("IMAP and IMAPS: failed logins on one connection before BYE"),
        max_connections_per_ip: int(1, 10_000).default(50).describe("IMAP and IMAPS: open connections from one client address"),
        max_line_bytes: int(1024, 1024 ** 2).default(64 * 1024).describe("IMAP and IMAPS: longest command line outside literals (Dovecot: 64 KiB); longer is BAD"),
        max_command_bytes: int(1024, 16 * 1024 ** 2).default(64 * 1024).describe("IMAP and IMAPS: a whole command with its literals, APPEND's message excepted (limited by mail.max_message_bytes)"),
      })
      .prefault({}),
    imaps: listener("imaps", ports.imaps),
    // The POP3 session limits sit with the pop3 listener and apply to pop3s too.
    pop3: listenerShape("pop3", ports.pop3)
      .extend({
        idle_timeout_seconds: int(30, 86_400).default(600).describe("POP3 and POP3S: close a client silent this long (RFC 1939 asks for at least 10 minutes)"),
        max_auth_failures: int(1, 100).default(3).describe("POP3 and POP3S: failed logins on one connection before it is closed"),
        max_invalid_commands: int(1, 1000).default(10).describe("POP3 and POP3S: unknown or malformed commands before the connection is closed"),
        max_connections_per_ip: int(1, 10_000).default(50).describe("POP3 and POP3S: open connections from one client address"),
      })
      .prefault({}),
    pop3s: listener("pop3s", ports.pop3s),
    // Logins go through the imap channel (decision 0022); these limits are ManageSieve's own.
    managesieve: listenerShape("managesieve", ports.managesieve)
      .extend({
        idle_timeout_seconds: int(60, 86_400).default(1800).describe("ManageSieve: close a logged-in client silent this long"),
        login_timeout_seconds: int(1, 1800).default(60).describe("ManageSieve: close a client that has not logged in and is silent this long"),
        max_auth_failures: int(1, 100).default(3).describe("ManageSieve: failed logins on one connection before BYE"),
        max_invalid_commands: int(1, 1000).default(10).describe("ManageSieve: NO answers to bad commands on one connection before BYE"),
        max_connections_per_ip: int(1, 10_000).default(20).describe("ManageSieve: open connections from one client address"),
      })
      .prefault({}),
    http: listenerShape("http", ports.http)
      .extend({ tls: bool().default(privileged).describe("serve HTTP over TLS with the certificate in [tls]") })
      .prefault({}),
    tls: z
      .strictObject({
        cert: text().default("tls/cert.pem").describe("PEM certificate chain, relative to the data folder"),
        key: text().default("tls/key.pem").describe("PEM private key, relative to the data folder"),
      })
      .prefault({}),
    database: z
      .strictObject({
        url: text()
          .default("")
          .refine((u) => u === "" || /^postgres(ql)?:\/\//.test(u), "expected postgres://… or empty for SQLite in the data folder")
          .describe("empty: SQLite at <data>/moat.db; postgres://… for PostgreSQL"),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "expected fatal, error, warn, info, debug, trace or silent" })
          .default("info")
          .describe("the least severe level written"),
      })
      .prefault({}),
    auth: z
      .strictObject({
        failure_delay_ms: int(0, 60_000).default(2000).describe("delay before answering the first failed login of an account+network; doubles each failure"),
        max_failure_delay_ms: int(0, 300_000).default(15_000).describe("cap on the growing failure delay (Dovecot uses 15 s)"),
        block_after_failures: int(1, 100).default(10).describe("failures of one account from one network before a temporary block"),
        block_minutes: int(1, 10_080).default(15).describe("how long that temporary block lasts"),
        failure_window_minutes: int(1, 10_080).default(60).describe("failures older than this are forgotten"),
        hash_concurrency: int(1, 256).default(Math.max(2, os.availableParallelism() * 2)).describe("argon2 hashes in flight at once; more wait"),
        ip_block_after_failures: int(2, 100_000).default(100).describe("failed logins from one address (IPv6: its /64) across all accounts before it is blocked (Stalwart: 100 a day)"),
        ip_failure_window_minutes: int(1, 10_080).default(1440).describe("failures from one address older than this are forgotten"),
        ip_block_minutes: int(1, 525_600).default(1440).describe("how long an automatic address block lasts (`moat ip list` shows it, `moat ip unblock` lifts it)"),
      })
      .prefault({}),
    web: z
      .strictObject({
        session_idle_minutes: int(5, 43_200).default(720).describe("a web session unused this long ends (default 12 hours)"),
        session_lifetime_hours: int(1, 8760).default(336).describe("a web session ends this long after its login however active (default 14 days)"),
        public_origin: text()
          .default("")
          .refine((u) => u === "" || /^https?:\/\/[^/?#]+$/.test(u), "expected https://host[:port] (no path) or empty")
          .describe("the web interface's address as browsers see it (https://mail.example.com); passkeys are bound to its host name. Empty: https://<server.hostname>"),
      })
      .prefault({}),
    login_records: z
      .strictObject({
        retention_days: int(1, 3650).default(180).describe("login records older than this are deleted"),
      })
      .prefault({}),
    login_alerts: z
      .strictObject({
        familiar_after_days: int(1, 365).default(3).describe("a country, city or network used on this many different days is familiar and stops raising events"),
        learning_days: int(0, 365).default(14).describe("after an account's first successful login, place, network and channel rules only learn for this many days"),
        travel_kmh: int(100, 100_000).default(900).describe("impossible travel: a speed between two successful logins' places above this raises an event"),
        travel_min_km: int(0, 20_000).default(300).describe("places closer than this are one place to the travel rule (GeoIP city positions are approximate)"),
        unused_channel_days: int(1, 3650).default(90).describe("a login on a channel (IMAP, POP3, SMTP, web, API) the account has not used this long raises an event"),
        failures_before_success: int(1, 10_000).default(5).describe("a success after at least this many failures against the account in failure_window_minutes raises an event"),
        failure_window_minutes: int(1, 1440).default(30).describe("the window of failures_before_success"),
        account_burst_failures: int(2, 100_000).default(10).describe("this many failures against one account within burst_window_minutes raise an event"),
        ip_burst_failures: int(2, 100_000).default(20).describe("this many failures from one address within burst_window_minutes raise an event"),
        burst_window_minutes: int(1, 1440).default(10).describe("the window of the failure-burst rules"),
        group_hours: int(1, 8760).default(24).describe("a repeated event within this long of its last occurrence is folded into it rather than raised again"),
        mail_interval_minutes: int(0, 1440).default(15).describe("at most one alert mail per account (and per domain's admins) in this long; events meanwhile are gathered into the next"),
        retention_days: int(1, 3650).default(365).describe("events last seen longer ago than this are deleted"),
        webhook_timeout_ms: int(100, 60_000).default(5000).describe("how long a webhook POST may take"),
        webhook_attempts: int(1, 100).default(5).describe("tries of a webhook POST before it is marked failed"),
      })
      .prefault({}),
    mail: z
      .strictObject({
        max_message_bytes: int(1024, 1024 ** 3).default(25 * 1024 * 1024).describe("largest message accepted (advertised with SIZE)"),
        max_recipients: int(100, 100_000).default(1000).describe("recipients per message (RFC 5321 requires at least 100)"),
        bare_lf: z
          .enum(["normalize", "reject"], { error: "expected normalize or reject" })
          .default("normalize")
          .describe("a bare LF in DATA: normalize to CRLF (Postfix 3.9 default) or reject the message"),
        idle_timeout_seconds: int(5, 3600).default(300).describe("SMTP: close a client silent this long (RFC 5321 asks for at least 5 minutes)"),
        max_session_seconds: int(60, 86_400).default(1800).describe("SMTP: close a connection open this long however active, so a client dripping bytes cannot hold it forever"),
        max_connections_per_ip: int(1, 10_000).default(50).describe("open SMTP connections from one client address"),
        max_auth_failures: int(1, 100).default(3).describe("failed AUTH attempts on one SMTP connection before it is closed"),
        max_junk_commands: int(1, 1000).default(20).describe("unknown or invalid SMTP commands before the connection is closed"),
        max_received_headers: int(10, 500).default(50).describe("Received headers beyond this mean a mail loop; the message is refused"),
        trace_retention_days: int(1, 3650).default(90).describe("message traces (moat trace) older than this are deleted"),
      })
      .prefault({}),
    queue: z
      .strictObject({
        retry_first_minutes: int(1, 1440).default(5).describe("first retry of a temporarily failed delivery; each later wait doubles"),
        retry_max_minutes: int(1, 10_080).default(240).describe("the longest wait between two delivery attempts"),
        give_up_hours: int(1, 2160).default(120).describe("after this, a message still undelivered is returned to its sender"),
        concurrency: int(1, 1000).default(20).describe("outbound deliveries in progress at once"),
        poll_seconds: int(1, 3600).default(30).describe("how often the queue is checked for due retries (new mail starts at once)"),
      })
      .prefault({}),
    relay: z
      .strictObject({
        smarthost: text().default("").describe("host:port every remote message is sent through; empty: deliver by MX"),
        routes: list()
          .default([])
          .describe("static routes, domain=host:port, checked before the smarthost and MX (e.g. example.net=127.0.0.1:2526)"),
        require_tls: bool().default(false).describe("refuse to deliver to a server that does not offer STARTTLS"),
      })
      .prefault({}),
    dns: z
      .strictObject({
        servers: list().default([]).describe("DNS resolvers (ip or ip:port); empty: the system's"),
        timeout_ms: int(100, 60_000).default(5000).describe("how long one DNS query may take"),
        zone_file: text()
          .default("")
          .describe("a JSON file of fixed DNS answers checked before the resolvers ({\"name TYPE\": [values]}); for tests and closed networks"),
      })
      .prefault({}),
    dkim: z
      .strictObject({
        selector: text().default("moat").describe("the DKIM selector of keys `moat domain add` generates"),
      })
      .prefault({}),
    sms: z
      .strictObject({
        sender: z
          .enum(["log", "webhook"], { error: "expected log or webhook" })
          .default("log")
          .describe("how codes for bound phones are sent: log (the log and `moat sms outbox`) or webhook (an HTTP POST to an SMS gateway)"),
        webhook_url: text()
          .default("")
          .refine((u) => u === "" || /^https?:\/\//.test(u), "expected http://… or https://…")
          .describe("webhook: the gateway URL; it receives a JSON POST {to, text, purpose}"),
        webhook_header: text().default("Authorization").describe("webhook: the header that carries webhook_token"),
        webhook_token: text().default("").describe("webhook: the value of webhook_header (e.g. \"Bearer …\"); empty: no header"),
        timeout_ms: int(100, 60_000).default(5000).describe("webhook: how long the gateway may take before the send counts as failed"),
        max_per_account_per_hour: int(1, 1000).default(5).describe("codes sent to one account in an hour, all purposes together"),
        max_per_number_per_hour: int(1, 1000).default(5).describe("codes sent to one phone number in an hour, whichever account asked"),
        outbox_retention_days: int(1, 365).default(7).describe("log sender: outbox entries older than this are deleted"),
      })
      .superRefine((sms, ctx) => {
        if (sms.sender === "webhook" && sms.webhook_url === "") ctx.addIssue({ code: "custom", path: ["webhook_url"], message: "required when sender is webhook" });
      })
      .prefault({}),
  });
}

export type Settings = z.infer<ReturnType<typeof settingsSchema>>;
