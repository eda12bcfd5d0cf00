// The SMS gateway sender: one HTTP POST of JSON {to, text, purpose} to [sms] webhook_url, with
// an optional auth header. A non-2xx answer, a refused connection or a timeout is an error
// the caller reports (MoatError sms_failed); the gateway's own answer never reaches a user.
import { MoatError } from "../../shared/errors.js";
import type { SmsMessage, SmsSender } from "../../core/ports/sms.js";

export interface WebhookSmsOptions {
  readonly url: string;
  /** Header name and value; no header when the value is empty. */
  readonly header?: string | undefined;
  readonly token?: string | undefined;
  readonly timeoutMs: number;
}

export function createWebhookSmsSender(opts: WebhookSmsOptions): SmsSender {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers[(opts.header ?? "Authorization").toLowerCase()] = opts.token;
  return {
    kind: "webhook",
    async send(message: SmsMessage): Promise<void> {
      let response: Response;
      try {
        response = await fetch(opts.url, {
          method: "POST",
          headers,
          body: JSON.stringify({ to: message.to, text: message.text, purpose: message.purpose }),
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: "error",
        });
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        throw new MoatError("sms_failed", timedOut ? `the SMS gateway did not answer within ${opts.timeoutMs} ms` : "the SMS gateway could not be reached", { cause: err });
      }
      // Drain the body so the connection is released; its text is not shown to anyone.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new MoatError("sms_failed", `the SMS gateway answered HTTP ${response.status}`);
    },
  };
}
