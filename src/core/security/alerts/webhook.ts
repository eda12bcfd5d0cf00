// The webhook of a domain's login events (issue 8 item 3): one POST of every due event as JSON,
// signed with the domain's secret so the receiver can tell it came from us (HMAC-SHA256 of the
// exact body, like GitHub's X-Hub-Signature-256). A 2xx answer is delivery; anything else,
// a timeout or a network error is a failed attempt, retried with a growing pause.
import crypto from "node:crypto";
import type { LoginEvent } from "../../ports/login-events.js";

const minute = 60_000;

export interface WebhookTarget {
  readonly url: string;
  /** Empty: unsigned. */
  readonly secret: string;
  readonly timeoutMs: number;
}

export function webhookBody(events: readonly LoginEvent[], domain: string): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return JSON.stringify({
    events: events.map((e) => ({
      id: e.id,
      rule: e.rule,
      severity: e.severity,
      account: e.identity,
      domain,
      ip: e.ip,
      summary: e.summary,
      detail: e.detail,
      firstAt: iso(e.firstAt),
      lastAt: iso(e.lastAt),
      occurrences: e.occurrences,
    })),
  });
}

export const webhookSignature = (secret: string, body: string): string => `sha256=${crypto.createHmac("sha256", secret).update(body).digest("hex")}`;

/** Posts the body; resolves with what went wrong, or undefined when the receiver took it (2xx). */
export async function postWebhook(target: WebhookTarget, body: string): Promise<string | undefined> {
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Moat",
        ...(target.secret !== "" ? { "x-moat-signature": webhookSignature(target.secret, body) } : {}),
      },
      body,
      redirect: "manual", // a redirect could carry the events somewhere the admin never named
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await res.body?.cancel();
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The pause before attempt n+1 after n failed ones: 1, 2, 4 … minutes, at most an hour. */
export const webhookRetryDelay = (attempts: number): number => Math.min(minute * 2 ** Math.max(0, attempts - 1), 60 * minute);
