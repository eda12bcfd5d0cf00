// The abnormal-login detector (issue 8 item 2, decision 0026). authenticate() hands it every
// login record after the record's commit; the rules run later, queued per account, so a login
// never waits for them, and nothing here ever throws at the caller (a failing pass is logged).
//
// Per successful login: the account's profile is read (one query by primary key, which also
// counts the failures before the login when there may be any); the domain's settings come with
// the observation, as the login itself read them; the pure rules (rules.ts) judge
// the login against the profile as it was, the profile learns the login, and the profile (when
// it changed) and the events are written in one commit. Per failed login: two in-memory sliding
// windows (bursts.ts), and a write only when a burst crosses its threshold. A "pending" record
// (right password, second factor awaited) is neither success nor failure: ignored.
import type { Logger } from "../../../shared/logger.js";
import { accountLoginSettingsSchema, defaultDomainLoginSettings, domainLoginSettingsSchema, readSettings, type DomainLoginSettings } from "../../auth/login-settings.js";
import type { Clock } from "../../ports/clock.js";
import type { LoginEvent, NewLoginEvent } from "../../ports/login-events.js";
import type { Store } from "../../ports/store.js";
import { BurstWindows, LastFailures, type Failure } from "./bursts.js";
import { toNewEvent, type EventSubject } from "./events.js";
import { learn, readProfile } from "./profile.js";
import { accountBurstFinding, ipBurstFinding, successFindings } from "./rules.js";
import type { AnomalySettings, Finding, LoginObservation } from "./types.js";

export interface DetectorDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly settings: AnomalySettings;
  readonly logger?: Logger | undefined;
  /** Told of events newly created (not of occurrences folded into open ones): the notifier's wake-up. */
  readonly onRaised?: ((events: readonly LoginEvent[]) => void) | undefined;
}

type Tx = Parameters<Parameters<Store["transaction"]>[0]>[0];

/**
 * How stale the stored last-login time of an unchanged place (and of a channel) may get: an
 * IMAP client polling every minute from one place costs a profile write every 5 minutes, not
 * every login. Impossible travel measures from that time, so it may see up to 5 minutes more
 * than really passed: a trip is missed only when distance/(elapsed + 5 min) ≤ travel_kmh <
 * distance/elapsed — for 300 km at 900 km/h, a gap between 20 and 25 minutes.
 */
export const profileTouchMs = 5 * 60_000;
/** Observations waiting at most; past it (a store far slower than logins) new ones are dropped and logged. */
const maxQueued = 10_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class LoginAnomalyDetector {
  /** The tail of each account's (or name's, or address's) queue: its observations run in order, one at a time. */
  private readonly queues = new Map<string, Promise<void>>();
  private queued = 0;
  private dropped = 0;
  private stopped = false;
  private readonly accountBursts: BurstWindows;
  private readonly ipBursts: BurstWindows;
  private readonly lastFailures: LastFailures;

  constructor(private readonly deps: DetectorDeps) {
    const s = deps.settings;
    this.accountBursts = new BurstWindows(s.accountBurstFailures, s.burstWindowMs);
    this.ipBursts = new BurstWindows(s.ipBurstFailures, s.burstWindowMs);
    this.lastFailures = new LastFailures(deps.clock.now());
  }

  /** Queues the observation; never throws and never makes the caller wait. */
  observe(observation: LoginObservation): void {
    if (this.stopped) return;
    try {
      const { record } = observation;
      if (record.result === "success" && record.userId !== null) {
        const userId = record.userId;
        this.enqueue(`user:${userId}`, () => this.success(observation, userId));
      } else if (record.result === "failure") {
        this.failure(observation);
      }
    } catch (err) {
      this.deps.logger?.error({ err, record: observation.record.id }, "abnormal-login detection failed");
    }
  }

  /** Resolves once every observation queued so far has been processed (tests; close()). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Takes no more observations and waits for the queued ones. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.idle();
  }

  private enqueue(key: string, work: () => Promise<void>): void {
    if (this.queued >= maxQueued) {
      if (this.dropped++ % 1000 === 0) this.deps.logger?.warn({ dropped: this.dropped }, "abnormal-login detection is behind; logins skipped");
      return;
    }
    this.queued++;
    // A new queue starts on the next turn of the event loop: the login's own reply goes first.
    const run: Promise<void> = (this.queues.get(key) ?? nextTurn())
      .then(work)
      .catch((err: unknown) => this.deps.logger?.error({ err, queue: key }, "abnormal-login detection failed"))
      .finally(() => {
        this.queued--;
        if (this.queues.get(key) === run) this.queues.delete(key);
      });
    this.queues.set(key, run);
  }

  /** Counted in memory at once (in order, cheap); only a crossing queues a write. */
  private failure(observation: LoginObservation): void {
    const { record: r, domainId } = observation;
    const { settings } = this.deps;
    if (r.userId !== null) this.lastFailures.note(r.userId, r.at);
    const failure: Failure = { at: r.at, name: r.identity, domainId };
    const accountScope = r.userId !== null ? `user:${r.userId}` : `name:${r.identity}`;
    const subject = { at: r.at, ip: r.ip, loginRecordId: r.id };

    const byAccount = this.accountBursts.add(accountScope, failure);
    if (byAccount) {
      const finding = accountBurstFinding(r.identity, byAccount.length, r, settings);
      this.enqueue(accountScope, () => this.raise(observation, finding, { ...subject, scope: accountScope, userId: r.userId, identity: r.identity, domainId }));
    }
    const byIp = this.ipBursts.add(r.ip, failure);
    if (byIp) {
      // One domain's admins see an address's burst when every failure in it was on their domain.
      const domains = new Set(byIp.map((f) => f.domainId));
      const burstDomain = domains.size === 1 ? byIp[0]!.domainId : null;
      const finding = ipBurstFinding(byIp.length, new Set(byIp.map((f) => f.name)).size, r, settings);
      this.enqueue(`ip:${r.ip}`, () => this.raise(observation, finding, { ...subject, scope: `ip:${r.ip}`, userId: null, identity: null, domainId: burstDomain }));
    }
  }

  private async raise(observation: LoginObservation, finding: Finding, subject: EventSubject): Promise<void> {
    const domain = await this.domainSettings(subject.domainId, observation);
    if (domain.loginAlerts === "off") return;
    await this.commit(await this.newEvents([finding], subject, domain));
  }

  private async success(observation: LoginObservation, userId: number): Promise<void> {
    const { store, settings, logger } = this.deps;
    const { record: r } = observation;
    const since = r.at - settings.failureWindowMs;
    const counted = this.mayHaveFailed(userId, since);
    const covered = this.lastFailures.covered;
    const [stored, domain] = await Promise.all([
      counted ? store.loginProfiles.getWithFailures(userId, since) : store.loginProfiles.get(userId).then((profile) => ({ profile, failures: 0 })),
      this.domainSettings(observation.domainId, observation),
    ]);
    // The store's answer for the time before this process started stands: not asked again.
    if (counted && stored.failures === 0 && store.dialect === "sqlite") this.lastFailures.noneStored(userId, since, covered);
    const { profile, unreadable } = readProfile(stored.profile?.data);
    if (unreadable) logger?.warn({ userId }, "login profile unreadable; the account learns afresh");
    // Judged against the profile as it was: this login must not make itself familiar.
    const context = { settings, unexpectedCountries: domain.unexpectedCountries, expectedCountries: domain.expectedCountries, recentFailures: stored.failures };
    const findings = domain.loginAlerts === "on" ? successFindings(observation, profile, context) : [];
    // The profile learns even while the domain's alerts are off, so turning them on does not
    // start with every account's usual places reading as new.
    const changed = learn(profile, observation, profileTouchMs) || unreadable;
    const subject: EventSubject = { scope: `user:${userId}`, userId, identity: r.identity, domainId: observation.domainId, ip: r.ip, at: r.at, loginRecordId: r.id };
    const events = findings.length > 0 ? await this.newEvents(findings, subject, domain) : [];
    await this.commit(events, changed ? (tx) => tx.loginProfiles.put(userId, profile, r.at) : undefined);
  }

  /**
   * Whether the failures before a success must be counted (in the profile's own query). SQLite
   * is one server process: once its memory covers the window and saw no failure against the
   * account, there is nothing to count. PostgreSQL may serve several `moat start` nodes whose
   * failures this one never saw: always counted there.
   */
  private mayHaveFailed(userId: number, since: number): boolean {
    return this.deps.store.dialect !== "sqlite" || this.lastFailures.maybeSince(userId, since);
  }

  /** The login's own reading of its domain's settings when it is that domain, else the store's. */
  private async domainSettings(domainId: number | null, observation: LoginObservation): Promise<DomainLoginSettings> {
    if (domainId === null) return defaultDomainLoginSettings;
    if (domainId === observation.domainId && observation.domainSettings) return observation.domainSettings;
    return readSettings(domainLoginSettingsSchema, await this.deps.store.loginSettings.getDomain(domainId));
  }

  private async newEvents(findings: readonly Finding[], subject: EventSubject, domain: DomainLoginSettings): Promise<NewLoginEvent[]> {
    const userMails = subject.userId === null || readSettings(accountLoginSettingsSchema, await this.deps.store.loginSettings.getUser(subject.userId)).loginAlertMails;
    const notices = { userMails, webhook: domain.loginAlertWebhook !== "" };
    return findings.map((f) => toNewEvent(f, subject, notices));
  }

  /**
   * The profile and the events of one observation in one commit, and a group commit that waits
   * for no disk flush (decision 0019), like the login record they follow: one batch with the
   * logins of the moment instead of a transaction and a sync of their own each. A machine crash
   * may lose them together with the last login records, never half of them.
   */
  private async commit(events: readonly NewLoginEvent[], writeProfile?: (tx: Tx) => Promise<void>): Promise<void> {
    if (events.length === 0 && !writeProfile) return;
    const { store, settings, onRaised, logger } = this.deps;
    const created = await store.transaction(
      async (tx) => {
        await writeProfile?.(tx);
        const created: LoginEvent[] = [];
        for (const e of events) {
          const recorded = await tx.loginEvents.record(e, e.at - settings.groupMs);
          if (recorded.created) created.push(recorded.event);
        }
        return created;
      },
      { group: true, durable: false },
    );
    if (created.length === 0) return;
    try {
      onRaised?.(created);
    } catch (err) {
      logger?.error({ err }, "the login-alert wake-up failed");
    }
  }
}
