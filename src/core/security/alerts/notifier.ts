// The alerts of abnormal logins (issue 8 item 3, decision 0026): the detector stores events with
// their notices pending; passes of this notifier send them. A pass mails each account once for
// every event pending for it, at most once per mail interval (events raised meanwhile wait and
// go out together: the grouping the issue asks for), mails each domain's admins the same way
// for high-severity events, and POSTs each domain's events to its webhook. Whatever cannot be
// delivered stays pending for a later pass. Passes never overlap; `moat start` runs one a
// minute and soon after each new event, and prunes old events hourly.
import type { Logger } from "../../../shared/logger.js";
import type { User } from "../../accounts/types.js";
import { accountLoginSettingsSchema, domainLoginSettingsSchema, readSettings } from "../../auth/login-settings.js";
import type { MailFlow } from "../../flow/types.js";
import type { Clock } from "../../ports/clock.js";
import type { LoginEvent, NoticeKind } from "../../ports/login-events.js";
import type { Store } from "../../ports/store.js";
import type { AlertSettings } from "../anomalies/types.js";
import { adminAlertMessage } from "./admin-mail.js";
import { alertAdmins } from "./recipients.js";
import { userAlertMessage } from "./user-mail.js";
import { postWebhook, webhookBody, webhookRetryDelay } from "./webhook.js";

const minute = 60_000;
/** New events arrive in bursts (one login can raise several): one pass soon after, not one each. */
const wakeDelayMs = 200;
/** Events of one kind a pass takes; the rest wait for the next pass, a minute at most. */
const batch = 500;

export interface NotifierDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly flow: MailFlow;
  readonly hostname: string;
  readonly settings: AlertSettings;
  readonly logger?: Logger | undefined;
}

function groupBy<K>(events: readonly LoginEvent[], key: (e: LoginEvent) => K): Map<K, LoginEvent[]> {
  const groups = new Map<K, LoginEvent[]>();
  for (const e of events) {
    const group = groups.get(key(e));
    if (group) group.push(e);
    else groups.set(key(e), [e]);
  }
  return groups;
}

const ids = (events: readonly LoginEvent[]) => events.map((e) => e.id);

export class LoginAlertNotifier {
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  /** The pass under way (or the last one), so the next waits for it. */
  private tail: Promise<unknown> = Promise.resolve();
  /** A pass asked for while one runs: later asks join it instead of queueing more. */
  private next: Promise<number> | undefined;

  constructor(private readonly deps: NotifierDeps) {}

  /** Asks for a pass soon (debounced); never throws. Only once started: admin commands leave the sending to the server. */
  wake(): void {
    if (!this.started || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      void this.run().catch((err: unknown) => this.deps.logger?.warn({ err }, "login alerts failed"));
    }, wakeDelayMs);
    this.wakeTimer.unref();
  }

  /** One pass: sends every notice that is due; resolves with how many mails and webhook posts went out. */
  run(): Promise<number> {
    if (this.next) return this.next;
    const pass = this.tail.then(() => {
      this.next = undefined;
      return this.pass();
    });
    this.next = pass;
    this.tail = pass.catch(() => undefined);
    return pass;
  }

  /** Passes every minute, and pruning of old events (`moat start` only). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const every = (ms: number, job: () => Promise<unknown>, what: string) => {
      const go = () => void job().catch((err: unknown) => this.deps.logger?.warn({ err }, `${what} failed`));
      const timer = setInterval(go, ms);
      timer.unref();
      this.timers.push(timer);
      go();
    };
    every(minute, () => this.run(), "login alerts");
    every(60 * minute, () => this.prune(), "login-event pruning");
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    await this.tail;
  }

  /** Deletes events last seen before the retention ([login_alerts] retention_days); returns how many. */
  prune(): Promise<number> {
    return this.deps.store.loginEvents.prune(this.deps.clock.now() - this.deps.settings.retentionMs);
  }

  private async pass(): Promise<number> {
    const now = this.deps.clock.now();
    const { loginEvents } = this.deps.store;
    let sent = 0;
    // Each group on its own: one account's or domain's trouble does not hold back the others.
    const each = async <K>(kind: NoticeKind, key: (e: LoginEvent) => K, send: (key: K, events: LoginEvent[]) => Promise<boolean>) => {
      for (const [k, events] of groupBy(await loginEvents.pending(kind, batch), key)) {
        try {
          if (await send(k, events)) sent++;
        } catch (err) {
          this.deps.logger?.warn({ err, kind, events: ids(events) }, "login alert not sent; it stays pending");
        }
      }
    };
    await each("user", (e) => e.userId, (userId, events) => this.mailUser(userId, events, now));
    await each("admin", (e) => e.domainId, (domainId, events) => this.mailAdmins(domainId, events, now));
    await each("webhook", (e) => e.domainId, (domainId, events) => this.post(domainId, events, now));
    return sent;
  }

  /** The interval between two alert mails to one reader has passed (or there was none). */
  private due(last: number | null, now: number): boolean {
    return last === null || now - last >= this.deps.settings.mailIntervalMs;
  }

  private async mailUser(userId: number | null, events: LoginEvent[], now: number): Promise<boolean> {
    const { store } = this.deps;
    const user = userId === null ? undefined : await store.users.findById(userId);
    // Read at send time: switching alert mails off also stops those already waiting.
    const wanted = user !== undefined && user.status === "active" && readSettings(accountLoginSettingsSchema, await store.loginSettings.getUser(user.id)).loginAlertMails;
    if (!wanted) {
      await store.loginEvents.markNotice("user", ids(events), "skipped", now);
      return false;
    }
    if (!this.due(await store.loginEvents.lastUserNoticeAt(user.id), now)) return false;
    if (!(await this.deliver(user, userAlertMessage(user, events, now, this.deps.hostname)))) return false;
    await store.loginEvents.markNotice("user", ids(events), "sent", now);
    return true;
  }

  /** One message to each admin; sent once any of them has it (the others are logged, not mailed again). */
  private async mailAdmins(domainId: number | null, events: LoginEvent[], now: number): Promise<boolean> {
    const { store } = this.deps;
    const admins = await alertAdmins(store, domainId);
    if (admins.length === 0) {
      await store.loginEvents.markNotice("admin", ids(events), "skipped", now);
      return false;
    }
    if (!this.due(await store.loginEvents.lastAdminNoticeAt(domainId), now)) return false;
    const domain = (domainId === null ? undefined : await store.domains.findById(domainId))?.name ?? this.deps.hostname;
    let delivered = 0;
    for (const admin of admins) if (await this.deliver(admin, adminAlertMessage(admin.address, domain, events, now, this.deps.hostname))) delivered++;
    if (delivered === 0) return false;
    await store.loginEvents.markNotice("admin", ids(events), "sent", now);
    return true;
  }

  /** Into the reader's Inbox through the one mail flow, as the server's other notices go. */
  private async deliver(to: User, message: Buffer): Promise<boolean> {
    const verdict = await this.deps.flow
      .process({ kind: "system", purpose: "notice" }, { mailFrom: null, recipients: [to.address], smtpUtf8: true, body: "8BITMIME" }, message)
      .catch((err: unknown) => ({ kind: "tempfail" as const, text: String(err) }));
    if (verdict.kind === "accept") return true;
    this.deps.logger?.warn({ to: to.address, verdict: verdict.kind, text: verdict.text }, "login alert mail not delivered; it stays pending");
    return false;
  }

  private async post(domainId: number | null, events: LoginEvent[], now: number): Promise<boolean> {
    const { store, settings } = this.deps;
    const domain = domainId === null ? undefined : await store.domains.findById(domainId);
    const target = domain ? readSettings(domainLoginSettingsSchema, await store.loginSettings.getDomain(domain.id)) : undefined;
    if (!domain || !target || target.loginAlertWebhook === "") {
      // The webhook was removed since the events were raised: nothing to post them to.
      await store.loginEvents.markNotice("webhook", ids(events), "skipped", now);
      return false;
    }
    const due = events.filter((e) => e.webhookAttempts === 0 || now >= (e.webhookAt ?? 0) + webhookRetryDelay(e.webhookAttempts));
    if (due.length === 0) return false;
    const failure = await postWebhook({ url: target.loginAlertWebhook, secret: target.loginAlertWebhookSecret, timeoutMs: settings.webhookTimeoutMs }, webhookBody(due, domain.name));
    if (failure === undefined) {
      await store.loginEvents.markNotice("webhook", ids(due), "sent", now);
      return true;
    }
    this.deps.logger?.warn({ domain: domain.name, failure, events: ids(due) }, "login-event webhook failed");
    for (const [attempts, same] of groupBy(due, (e) => e.webhookAttempts + 1)) {
      await store.loginEvents.markNotice("webhook", ids(same), attempts >= settings.webhookAttempts ? "failed" : "pending", now, attempts);
    }
    return false;
  }
}
