// What `moat start` runs for the mail flow in the background: the timeouts of held mail
// (every minute) and the pruning of message traces past their retention (hourly). Admin
// commands never run it.
import type { Logger } from "../../shared/logger.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import type { HeldQueue } from "./held-queue.js";

const minute = 60_000;
const day = 86_400_000;

export class FlowUpkeep {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly held: HeldQueue,
    /** [mail] trace_retention_days */
    private readonly traceRetentionDays: number,
    private readonly logger?: Logger,
  ) {}

  /** Deletes traces older than the retention; returns how many. */
  pruneTraces(): Promise<number> {
    return this.store.messageTraces.pruneBefore(this.clock.now() - this.traceRetentionDays * day);
  }

  start(): void {
    const every = (ms: number, job: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => void job().catch((err: unknown) => this.logger?.warn({ err }, `${what} failed`)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(minute, () => this.held.expireDue(), "held-mail timeouts");
    every(60 * minute, () => this.pruneTraces(), "message-trace pruning");
    void this.pruneTraces().catch((err: unknown) => this.logger?.warn({ err }, "message-trace pruning failed"));
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
