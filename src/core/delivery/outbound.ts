// The outbound delivery runner: claims due recipients from the queue, sends each message once
// per destination (attempt.ts), and records every recipient's result: delivered, retried
// later with backoff (backoff.ts), or failed, with a bounce (dsn.ts) to the sender.
//
// Crash safety is at-least-once. A claim is a lease in the store: if the process dies after
// the remote server said 250 but before the row was marked delivered, the row stays
// "delivering" until its lease lapses (or until start() on a sole runner), then goes back to
// the queue and the message is sent again. A duplicate is the price of never losing a message
// (DESIGN.md "Nothing lost"); RFC 5321 §6.1 accepts the same trade.
//
// Bounces are handed to `submitBounce` before the failed rows are marked, for the same reason:
// a crash in between sends a second bounce rather than none.
import type { Logger } from "../../shared/logger.js";
import { untrusted } from "../../shared/logger.js";
import { Semaphore } from "../../shared/semaphore.js";
import type { BlobStore } from "../ports/blobs.js";
import type { Clock } from "../ports/clock.js";
import type { DnsResolver } from "../ports/dns.js";
import type { OutboundMessage, OutboundRecipient } from "../ports/queue.js";
import type { Store } from "../ports/store.js";
import type { SmtpTransport } from "../ports/transport.js";
import type { Envelope } from "../flow/types.js";
import { attemptDelivery, type AttemptContext, type AttemptJob, type AttemptOutcome } from "./attempt.js";
import { afterTemporaryFailure, type RetryPolicy } from "./backoff.js";
import { toCrlf } from "./crlf.js";
import type { DkimSigner } from "./dkim.js";
import { buildDsn, dsnStatus, type DsnFailure } from "./dsn.js";
import { fixedRoute, type RouteTable } from "./routes.js";

export interface OutboundDeliveryOptions {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly transport: SmtpTransport;
  readonly dns: DnsResolver;
  readonly clock: Clock;
  /** Our host name: EHLO, Reporting-MTA and MAILER-DAEMON@ of bounces. */
  readonly hostname: string;
  readonly retry: RetryPolicy;
  readonly routes: RouteTable;
  /** [relay] require_tls: refuse hosts without STARTTLS and a verified certificate. */
  readonly requireTls: boolean;
  /** Destinations in progress at once ([queue] concurrency). */
  readonly concurrency: number;
  /** Queues a bounce; the composition root sends it through MailFlow as origin system/bounce. */
  readonly submitBounce: (envelope: Envelope, message: Buffer) => Promise<void>;
  readonly dkim?: DkimSigner | undefined;
  readonly logger?: Logger | undefined;
  /** Longest idle wait between two looks at the queue (wake() cuts it short). Default 30 s. */
  readonly pollIntervalMs?: number | undefined;
  /** How long a claim lasts before another runner may take the recipient over. Default 30 min. */
  readonly leaseMs?: number | undefined;
  /**
   * No other process delivers from this queue (one node on SQLite): start() takes back every
   * "delivering" row at once instead of waiting for the leases of a crashed run to lapse.
   */
  readonly soleRunner?: boolean | undefined;
  /** Finished messages are deleted this long after they were queued. Default 7 days. */
  readonly keepFinishedMs?: number | undefined;
  readonly random?: (() => number) | undefined;
}

const minute = 60_000;

export class OutboundDelivery {
  readonly #o: OutboundDeliveryOptions;
  readonly #limit: Semaphore;
  readonly #leaseMs: number;
  readonly #batch: number;
  #loop: Promise<void> | undefined;
  #running = false;
  #woken = false;
  #wakeUp: (() => void) | undefined;
  #lastPrune = 0;

  constructor(options: OutboundDeliveryOptions) {
    this.#o = options;
    this.#limit = new Semaphore(Math.max(1, options.concurrency));
    this.#leaseMs = options.leaseMs ?? 30 * minute;
    // Enough recipients per look to keep every slot busy, few enough to keep claims fresh.
    this.#batch = Math.max(1, options.concurrency) * 5;
  }

  /** Starts the polling loop; resolves at once. */
  start(): void {
    if (this.#loop) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling and waits for the attempts in progress to be recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#woken = true; // in case the loop is between runs and not yet waiting
    this.#wakeUp?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Something was queued: look at the queue now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /**
   * One look at the queue: takes back lapsed claims, claims what is due, delivers it and
   * records the results. Returns how many recipients it handled. Tests drive it directly.
   */
  async runOnce(): Promise<number> {
    const now = this.#o.clock.now();
    await this.#o.store.outbound.recoverStale(now);
    await this.#pruneNowAndThen(now);
    const claimed = await this.#o.store.outbound.claimDue(now, this.#batch, now + this.#leaseMs);
    if (claimed.length === 0) return 0;
    const prepared = new Map<number, Promise<{ message: OutboundMessage | undefined; bytes: AttemptJob["bytes"] }>>();
    await Promise.all(
      this.#group(claimed).map((recipients) =>
        this.#limit.run(async () => {
          const first = recipients[0]!;
          try {
            if (!prepared.has(first.messageId)) prepared.set(first.messageId, this.#prepare(first.messageId));
            const { message, bytes } = await prepared.get(first.messageId)!;
            if (!message) return; // deleted meanwhile (its rows went with it)
            await this.#deliver({ message, recipients, domain: first.domain, bytes });
          } catch (err) {
            // Unrecorded recipients stay claimed; recoverStale() requeues them when the lease lapses.
            this.#o.logger?.error({ err, messageId: first.messageId }, "outbound delivery attempt failed");
          }
        }),
      ),
    );
    return claimed.length;
  }

  async #run(): Promise<void> {
    if (this.#o.soleRunner) {
      await this.#o.store.outbound.recoverStale(this.#o.clock.now(), true).catch((err: unknown) => {
        this.#o.logger?.error({ err }, "could not take back the outbound queue's interrupted deliveries");
      });
    }
    while (this.#running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (err) {
        this.#o.logger?.error({ err }, "outbound queue run failed");
      }
      if (!this.#running) break;
      if (handled < this.#batch) await this.#idle();
    }
  }

  /**
   * Waits until the next recipient is due, a wake(), or the poll interval. A real timer, not
   * the Clock port: this paces the loop, it decides nothing (tests call runOnce directly).
   */
  async #idle(): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return;
    }
    const poll = this.#o.pollIntervalMs ?? 30_000;
    const next = await this.#o.store.outbound.nextDue().catch(() => undefined);
    if (this.#woken || !this.#running) {
      this.#woken = false;
      return;
    }
    const wait = next === undefined ? poll : Math.max(0, Math.min(poll, next - this.#o.clock.now()));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeUp = done;
    });
    this.#wakeUp = undefined;
    this.#woken = false;
  }

  /** Recipients of one message that go the same way share one SMTP transaction. */
  #group(claimed: readonly OutboundRecipient[]): OutboundRecipient[][] {
    const groups = new Map<string, OutboundRecipient[]>();
    for (const r of claimed) {
      const fixed = fixedRoute(this.#o.routes, r.domain);
      const key = `${r.messageId} ${fixed ? `${fixed.via}:${fixed.target.host}:${fixed.target.port}` : `mx:${r.domain}`}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups.values()];
  }

  /**
   * The message and the bytes to send: CRLF line ends, DKIM-signed once (the signed copy is
   * stored, so every retry sends the same bytes and signs nothing again).
   */
  async #prepare(messageId: number): Promise<{ message: OutboundMessage | undefined; bytes: AttemptJob["bytes"] }> {
    const message = await this.#o.store.outbound.findMessage(messageId);
    if (!message) return { message, bytes: { error: "message gone" } };
    let bytes: Buffer;
    try {
      bytes = toCrlf(await this.#o.blobs.get(message.blobHash));
    } catch (err) {
      this.#o.logger?.error({ err, messageId }, "outbound message body unavailable");
      return { message, bytes: { error: "the message body is unavailable on this server" } };
    }
    if (message.dkimSigned || !this.#o.dkim) return { message, bytes };
    try {
      const signed = await this.#o.dkim.sign(bytes, message.fromDomain);
      if (!signed) return { message, bytes };
      const ref = await this.#o.blobs.put(signed);
      await this.#o.store.outbound.setSignedBlob(message.id, ref.hash, ref.size);
      return { message, bytes: signed };
    } catch (err) {
      // Unsigned mail may land in spam; held mail is certainly late. Send it, and say so.
      this.#o.logger?.error({ err, messageId }, "DKIM signing failed; sending unsigned");
      return { message, bytes };
    }
  }

  async #deliver(job: AttemptJob): Promise<void> {
    const started = this.#o.clock.now();
    const ctx: AttemptContext = {
      transport: this.#o.transport,
      dns: this.#o.dns,
      routes: this.#o.routes,
      requireTls: this.#o.requireTls,
      hostname: this.#o.hostname,
      random: this.#o.random ?? Math.random,
      deadline: started + this.#leaseMs / 2,
      now: () => this.#o.clock.now(),
    };
    const outcomes = await attemptDelivery(job, ctx);
    await this.#record(job, outcomes);
  }

  async #record(job: AttemptJob, outcomes: readonly AttemptOutcome[]): Promise<void> {
    const { store, retry } = this.#o;
    const now = this.#o.clock.now();
    const failed: Array<{ outcome: AttemptOutcome; status: string }> = [];
    for (const o of outcomes) {
      const text = o.response;
      if (o.accepted) {
        await store.outbound.markDelivered(o.recipient.id, now);
        this.#o.logger?.info({ messageId: job.message.id, to: o.recipient.address, mta: o.remoteMta }, "delivered");
      } else if (o.permanent) {
        failed.push({ outcome: o, status: o.status ?? dsnStatus(o.code, text, "5.0.0") });
      } else {
        const decision = afterTemporaryFailure(retry, { queuedAt: job.message.createdAt, failedAttempts: o.recipient.attempts + 1, now });
        if (decision.kind === "retry") {
          await store.outbound.markDeferred(o.recipient.id, now, decision.at, text);
          this.#o.logger?.info({ messageId: job.message.id, to: o.recipient.address, next: decision.at, reason: untrusted(text) }, "deferred");
        } else {
          // RFC 3463 X.4.7: delivery time expired, unless the last reply named its own reason.
          const status = o.status ?? dsnStatus(o.code, text, "4.4.7");
          failed.push({ outcome: { ...o, response: `gave up after ${o.recipient.attempts + 1} attempts: ${text}` }, status });
        }
      }
    }
    if (failed.length > 0) await this.#fail(job, failed, now);
  }

  async #fail(job: AttemptJob, failed: ReadonlyArray<{ outcome: AttemptOutcome; status: string }>, now: number): Promise<void> {
    const { store, logger } = this.#o;
    const message = job.message;
    const mark = async (status: "failed" | "bounced") => {
      for (const { outcome } of failed) await store.outbound.markFailed(outcome.recipient.id, now, outcome.response, status);
      logger?.warn({ messageId: message.id, to: failed.map((f) => f.outcome.recipient.address), bounce: status === "bounced" }, "delivery failed");
    };
    // Never a bounce for a bounce: the null sender has nobody to tell (RFC 5321 §4.5.5).
    if (message.isBounce || message.mailFrom === null) return mark("failed");
    const dsn = buildDsn({
      reportingMta: this.#o.hostname,
      originalMailFrom: message.mailFrom,
      envelopeId: message.envelopeId,
      arrivalDate: message.createdAt,
      now,
      original: Buffer.isBuffer(job.bytes) ? job.bytes : Buffer.alloc(0),
      failures: failed.map(({ outcome, status }): DsnFailure => ({
        recipient: outcome.recipient.address,
        status,
        diagnostic: outcome.response,
        remoteReply: outcome.remoteReply,
        remoteMta: outcome.remoteMta,
        lastAttemptAt: now,
      })),
    });
    if (!dsn) return mark("failed");
    try {
      await this.#o.submitBounce(dsn.envelope, dsn.message);
    } catch (err) {
      // The bounce could not be queued (store down?): keep the recipients and try it all again.
      logger?.error({ err, messageId: message.id }, "bounce could not be queued; retrying later");
      for (const { outcome } of failed) {
        await store.outbound.markDeferred(outcome.recipient.id, now, now + this.#o.retry.firstMs, `bounce not queued: ${outcome.response}`);
      }
      return;
    }
    await mark("bounced");
  }

  async #pruneNowAndThen(now: number): Promise<void> {
    if (now - this.#lastPrune < 60 * minute) return;
    this.#lastPrune = now;
    await this.#o.store.outbound.prune(now - (this.#o.keepFinishedMs ?? 7 * 24 * 60 * minute));
  }
}
