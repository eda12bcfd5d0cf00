// The outbox of the `log` SMS sender, for the admin (`moat sms outbox`): what would have gone
// to a gateway, newest first, kept [sms] outbox_retention_days.
import type { Clock } from "../../ports/clock.js";
import type { SmsOutboxEntry } from "../../ports/sms.js";
import type { Store } from "../../ports/store.js";
import { normalisePhoneNumber } from "./number.js";

const day = 86_400_000;

export class SmsOutbox {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  list(query: { limit: number; to?: string | undefined }): Promise<SmsOutboxEntry[]> {
    return this.store.smsOutbox.list({ limit: query.limit, to: query.to === undefined ? undefined : normalisePhoneNumber(query.to) });
  }

  prune(): Promise<number> {
    return this.store.smsOutbox.prune(this.clock.now() - this.retentionDays * day);
  }
}
