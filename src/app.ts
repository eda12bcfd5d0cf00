// Composition root: settings → store → core services. Used by `moat start` (main.ts) and by
// every `moat` admin subcommand, so both see exactly the same rules.
import path from "node:path";
import type { LoadedSettings } from "./config/load.js";
import { AccountService } from "./core/accounts/service.js";
import { createAuthenticator, type Authenticate } from "./core/auth/authenticate.js";
import { createPasswordHasher } from "./core/auth/passwords.js";
import { WebSessionService } from "./core/auth/web-sessions.js";
import { InProcessMailboxEvents, publishDeliveries, type MailboxEvents } from "./core/mailstore/events.js";
import { MailboxOperations } from "./core/mailstore/operations.js";
import { MailStore } from "./core/mailstore/service.js";
import { systemClock, type Clock } from "./core/ports/clock.js";
import type { Store } from "./core/ports/store.js";
import { LoginRecordService } from "./core/security/login-records.js";
import { AccountSecure } from "./core/security/account-secure/index.js";
import { SecurityCheckup } from "./core/security/checkup/index.js";
import { LoginAnomalyDetector } from "./core/security/anomalies/detector.js";
import { LoginEventService } from "./core/security/anomalies/events-service.js";
import { LoginAlertNotifier } from "./core/security/alerts/notifier.js";
import { alertSettings, anomalySettings } from "./core/security/anomalies/settings.js";
import { InProcessMaildropLocks } from "./core/maildrop/lock.js";
import { MaildropService } from "./core/maildrop/service.js";
import { Pop3SettingsService } from "./core/maildrop/settings.js";
import { DkimService } from "./core/delivery/dkim.js";
import { createAesGcmSealer } from "./adapters/secrets/aes-gcm-sealer.js";
import { loadOrCreateKey } from "./adapters/secrets/key-file.js";
import { retryPolicyFromSettings } from "./core/delivery/backoff.js";
import { OutboundDelivery } from "./core/delivery/outbound.js";
import { routeTable } from "./core/delivery/routes.js";
import { FlowSettingsService } from "./core/flow/flow-settings-service.js";
import { HeldQueue } from "./core/flow/held-queue.js";
import { MessageRecall } from "./core/flow/recall.js";
import { Forwarding } from "./core/flow/user-rules/forwarding.js";
import { SieveScripts } from "./core/flow/user-rules/sieve-scripts.js";
import { FlowUpkeep } from "./core/flow/upkeep.js";
import { createMailFlow, type EnqueueRemote } from "./core/flow/pipeline.js";
import type { MailFlow } from "./core/flow/types.js";
import type { BlobStore } from "./core/ports/blobs.js";
import type { DnsResolver } from "./core/ports/dns.js";
import { createDnsResolver } from "./adapters/dns/index.js";
import { createSmtpTransport } from "./protocols/smtp/client/transport.js";
import type { Logger } from "./shared/logger.js";
import { BlobMaintenance } from "./store/blobs/blob-sweep.js";
import { createFsBlobStore } from "./store/blobs/fs-blob-store.js";
import { openStore } from "./store/open.js";
import { authSecurityDeps, createLoginSecurity, loginSecurityHooks, type LoginSecurity } from "./app-login-security.js";
import { twoFactorDeps } from "./app-two-factor.js";
import { createPhoneFeatures, type PhoneFeatures } from "./app-phone.js";

export interface Moat {
  readonly loaded: LoadedSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly mailstore: MailStore;
  readonly logins: LoginRecordService;
  readonly authenticate: Authenticate;
  readonly dns: DnsResolver;
  readonly flow: MailFlow;
  readonly events: MailboxEvents;
  /** Mailbox operations shared by IMAP, POP3 and the web API. */
  readonly mailboxes: MailboxOperations;
  /** POP3 maildrops (locked per folder in this process, decision 0009) and their per-domain settings. */
  readonly maildrops: MaildropService;
  readonly pop3Settings: Pop3SettingsService;
  /** Not running until start() (only `moat start` delivers; admin commands never do). */
  readonly outbound: OutboundDelivery;
  /** Per-domain DKIM keys: made with the domain, sealed at rest, DNS records for the admin. */
  readonly dkim: DkimService;
  /** Blob-store upkeep (crash leftovers, orphaned bodies); not running until start(). */
  readonly blobUpkeep: BlobMaintenance;
  /** Issue 6: login settings, client security passwords, IP rules, audit log, live sessions. */
  readonly loginSecurity: LoginSecurity;
  /** Bound phones, SMS codes, password self-reset, password-expiry reminders (issue 6, items 5 and 6). */
  readonly phone: PhoneFeatures;
  /** Web sessions (issue 6 item 7): made by web logins, listed and revoked by users and admins. */
  readonly webSessions: WebSessionService;
  /** Issue 7: mail-flow settings of domains, accounts and groups, and the message trace. */
  readonly flowSettings: FlowSettingsService;
  /** Mail held for moderators and auditors. */
  readonly heldMail: HeldQueue;
  /** Held-mail timeouts and trace pruning; not running until start() (`moat start`). */
  readonly flowUpkeep: FlowUpkeep;
  /** A user's recall of sent mail and an admin's purge of every copy (issue 7 item 8). */
  readonly recall: MessageRecall;
  /** Users' Sieve scripts (issue 7 item 6), checked against the forwarding ban when saved. */
  readonly sieve: SieveScripts;
  /** The per-account forward setting and the log of forwarding attempts. */
  readonly forwarding: Forwarding;
  /** The stolen-account response and its report (issue 8 item 4, decision 0025). */
  readonly accountSecure: AccountSecure;
  /** The security checkup of a domain or an account, and its fixes (issue 8 item 5). */
  readonly checkup: SecurityCheckup;
  /** Abnormal-login rules run on every login record (issue 8 item 2, decision 0026). */
  readonly anomalies: LoginAnomalyDetector;
  /** Alert mails and the webhook for abnormal-login events; not running until start() (`moat start`). */
  readonly loginAlerts: LoginAlertNotifier;
  /** Listing and acknowledging abnormal-login events (operator, domain admins, users). */
  readonly loginEvents: LoginEventService;
  close(): Promise<void>;
}

export async function openMoat(loaded: LoadedSettings, logger: Logger, opts: { clock?: Clock } = {}): Promise<Moat> {
  const { settings, dataDir } = loaded;
  const clock = opts.clock ?? systemClock;
  const store = await openStore(
    settings.database.url ? { databaseUrl: settings.database.url } : { sqlitePath: path.join(dataDir, "moat.db") },
  );
  const passwords = createPasswordHasher(settings.auth.hash_concurrency);
  const blobRoot = path.join(dataDir, "blobs");
  const blobs = createFsBlobStore(blobRoot);
  const blobUpkeep = new BlobMaintenance(
    blobRoot,
    (hash) => store.messages.hasBody(hash),
    (err) => logger.warn({ err }, "blob store upkeep failed"),
  );
  const mailstore = new MailStore(store, blobs, clock);
  const minute = 60_000;
  const securityDeps = { ...authSecurityDeps(dataDir, settings.auth), ...twoFactorDeps(dataDir, settings, () => phone.phones) };
  // Abnormal-login rules (issue 8 item 2): every login record goes to the detector after its
  // commit; new events wake the alert notifier (made below, once the mail flow exists).
  const anomalies = new LoginAnomalyDetector({ store, clock, settings: anomalySettings(settings.login_alerts), logger, onRaised: () => loginAlerts.wake() });
  const authenticate = createAuthenticator({
    store,
    clock,
    passwords,
    onRecorded: (observation) => anomalies.observe(observation),
    ...securityDeps,
    throttle: {
      failureDelayMs: settings.auth.failure_delay_ms,
      maxFailureDelayMs: settings.auth.max_failure_delay_ms,
      blockAfterFailures: settings.auth.block_after_failures,
      blockMs: settings.auth.block_minutes * minute,
      windowMs: settings.auth.failure_window_minutes * minute,
    },
  });
  const dns = createDnsResolver({
    servers: settings.dns.servers,
    timeoutMs: settings.dns.timeout_ms,
    ...(settings.dns.zone_file ? { zoneFile: path.resolve(dataDir, settings.dns.zone_file) } : {}),
  });
  const dkim = new DkimService(store, clock, settings.dkim.selector, dkimSealer(dataDir));
  const enqueueRemote: EnqueueRemote = async (tx, job) => {
    await tx.outbound.enqueue({
      blobHash: job.body.hash,
      size: job.body.size,
      mailFrom: job.mailFrom,
      recipients: job.recipients,
      originKind: job.origin.kind,
      envelopeId: job.id,
      isBounce: job.origin.kind === "system" && job.origin.purpose === "bounce",
      smtpUtf8: job.envelope.smtpUtf8,
      body8bit: job.envelope.body === "8BITMIME",
      now: clock.now(),
    });
  };
  // eslint-disable-next-line prefer-const -- the runner and the flow refer to each other
  let outbound: OutboundDelivery;
  // Deliveries announce new mail after their commit, so IMAP IDLE sessions hear of it at once.
  const events = new InProcessMailboxEvents((err) => logger.warn({ err }, "mailbox listener failed"));
  const announced = publishDeliveries(store, mailstore, events);
  const mailboxes = new MailboxOperations(store, blobs, clock, events);
  const flow = createMailFlow({
    store: announced.store,
    mailstore: announced.mailstore,
    clock,
    dns,
    hostname: settings.server.hostname,
    maxMessageBytes: settings.mail.max_message_bytes,
    maxReceivedHeaders: settings.mail.max_received_headers,
    enqueueRemote,
    onQueued: () => outbound.wake(),
    logger,
  });
  const loginAlerts = new LoginAlertNotifier({ store, clock, flow, hostname: settings.server.hostname, settings: alertSettings(settings.login_alerts), logger });
  const heldMail = new HeldQueue(announced.store, announced.mailstore, flow, clock, settings.server.hostname, logger);
  const flowUpkeep = new FlowUpkeep(store, clock, heldMail, settings.mail.trace_retention_days, logger);
  outbound = new OutboundDelivery({
    store,
    // Queued bodies are read like any stored body: inline in the row or from the blob store.
    blobs: bodyReader(mailstore, blobs),
    transport: createSmtpTransport(),
    dns,
    clock,
    hostname: settings.server.hostname,
    retry: retryPolicyFromSettings(settings.queue),
    routes: routeTable(settings.relay),
    requireTls: settings.relay.require_tls,
    concurrency: settings.queue.concurrency,
    pollIntervalMs: settings.queue.poll_seconds * 1000,
    dkim,
    soleRunner: !settings.database.url,
    logger,
    submitBounce: async (envelope, message) => {
      const verdict = await flow.process({ kind: "system", purpose: "bounce" }, envelope, message);
      if (verdict.kind !== "accept") throw new Error(`bounce not stored: ${verdict.text}`);
    },
  });
  // A new domain gets its DKIM key at once, so `moat domain dkim` has a record to print.
  const accounts = new AccountService(store, passwords, clock, mailstore, {
    onDomainAdded: (domain) => dkim.ensureKey(domain).then(() => undefined),
    ...loginSecurityHooks(securityDeps, () => loginSecurity),
  });
  const loginSecurity = createLoginSecurity(store, clock, accounts, securityDeps, passwords, (domain, before, after) =>
    // The change is committed by now: a failed notice is logged (the hourly run retries), not the admin's error.
    phone.reminders.settingsChanged(domain, before, after).catch((err: unknown) => logger.warn({ err }, "password expiry notices failed")),
  );
  const flowSettings = new FlowSettingsService(store, accounts, loginSecurity.audit, clock);
  const sieve = new SieveScripts(store, accounts, loginSecurity.audit, clock);
  const forwarding = new Forwarding(store, accounts, flowSettings, clock);
  const phone = createPhoneFeatures(settings.sms, { store, clock, logger, accounts, loginSecurity, passwords, flow, hostname: settings.server.hostname });
  const logins = new LoginRecordService(store, clock, settings.login_records.retention_days);
  return {
    loaded,
    logger,
    clock,
    store,
    accounts,
    mailstore,
    logins,
    authenticate,
    dns,
    flow,
    outbound,
    blobUpkeep,
    dkim,
    events,
    mailboxes,
    maildrops: new MaildropService(store, mailboxes, new InProcessMaildropLocks()),
    pop3Settings: new Pop3SettingsService(store, accounts),
    loginSecurity,
    phone,
    webSessions: new WebSessionService(store, clock, accounts, loginSecurity.audit, passwords, {
      idleMs: settings.web.session_idle_minutes * minute,
      absoluteMs: settings.web.session_lifetime_hours * 60 * minute,
    }),
    flowSettings,
    heldMail,
    flowUpkeep,
    recall: new MessageRecall(store, mailboxes, accounts, loginSecurity.audit, clock, flow, settings.server.hostname),
    sieve,
    forwarding,
    anomalies,
    loginAlerts,
    loginEvents: new LoginEventService(store, clock, accounts, loginSecurity.audit),
    checkup: new SecurityCheckup({ store, clock, accounts, loginSettings: loginSecurity.settings, twoFactor: loginSecurity.twoFactor, appPasswords: loginSecurity.appPasswords, flowSettings, forwarding, sieve }),
    accountSecure: new AccountSecure({
      store,
      clock,
      accounts,
      passwords,
      checkPassword: (subject, password) => loginSecurity.passwordPolicy.check(subject, password),
      endAppPasswordSessions: (userId, ids) => void loginSecurity.liveSessions.endAppPasswords(userId, ids),
    }),
    close: async () => {
      flowUpkeep.stop();
      logins.stop();
      // The detector first: its last events may still wake the notifier, which then stops.
      await anomalies.stop();
      await loginAlerts.stop();
      loginSecurity.stop();
      await phone.stop();
      await outbound.stop();
      await blobUpkeep.stop();
      await store.close();
    },
  };
}

/** The outbound runner reads bodies through the mail store (small ones are kept inline in rows). */
function bodyReader(mailstore: MailStore, blobs: BlobStore): BlobStore {
  return {
    put: (data) => blobs.put(data),
    remove: (hash) => blobs.remove(hash),
    // A body the flow stored, or bytes the runner itself put (the DKIM-signed copy).
    get: async (hash) => (await mailstore.read(hash)) ?? blobs.get(hash),
  };
}

/** The key that seals DKIM private keys in the database, relative to the data folder. */
export const dkimKeyFile = path.join("keys", "dkim-sealing.key");

function dkimSealer(dataDir: string) {
  return createAesGcmSealer(loadOrCreateKey(path.join(dataDir, dkimKeyFile)), dkimKeyFile);
}
