// The default SMS sender: no gateway, the message goes to the log and to the outbox table an
// admin lists with `moat sms outbox`. Enough for a small install whose admin hands codes over
// in person, and for tests; the outbox is pruned after [sms] outbox_retention_days.
import type { Clock } from "../../core/ports/clock.js";
import type { SmsMessage, SmsOutboxRepository, SmsSender } from "../../core/ports/sms.js";
import type { Logger } from "../../shared/logger.js";

export function createLogSmsSender(deps: { outbox: SmsOutboxRepository; clock: Clock; logger: Logger }): SmsSender {
  return {
    kind: "log",
    async send(message: SmsMessage): Promise<void> {
      await deps.outbox.add({ ...message, at: deps.clock.now() });
      // The text carries the code: the log is as private as the outbox (admins only).
      deps.logger.info({ sms: { to: message.to, purpose: message.purpose, text: message.text } }, "text message (log sender)");
    },
  };
}
