// The SMS adapter: the sender chosen by the [sms] settings.
import type { Clock } from "../../core/ports/clock.js";
import type { SmsOutboxRepository, SmsSender } from "../../core/ports/sms.js";
import type { Logger } from "../../shared/logger.js";
import { createLogSmsSender } from "./log.js";
import { createWebhookSmsSender } from "./webhook.js";

export { createLogSmsSender } from "./log.js";
export { createWebhookSmsSender, type WebhookSmsOptions } from "./webhook.js";

export interface SmsSettings {
  readonly sender: "log" | "webhook";
  readonly webhook_url: string;
  readonly webhook_header: string;
  readonly webhook_token: string;
  readonly timeout_ms: number;
}

export function createSmsSender(settings: SmsSettings, deps: { outbox: SmsOutboxRepository; clock: Clock; logger: Logger }): SmsSender {
  if (settings.sender === "webhook") {
    return createWebhookSmsSender({ url: settings.webhook_url, header: settings.webhook_header, token: settings.webhook_token, timeoutMs: settings.timeout_ms });
  }
  return createLogSmsSender(deps);
}
