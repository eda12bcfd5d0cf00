// Structured logs: one JSON line per event (pino), readable when stdout is a terminal.
// Secrets never reach a log line: the redact list removes them even if a caller slips.
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

const redactPaths = ["password", "secret", "token", "*.password", "*.secret", "*.token", "authorization", "*.authorization"];

export function createLogger(opts: { level: LevelWithSilent; pretty?: boolean; destination?: number | string; sync?: boolean }): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const base = { level: opts.level, redact: { paths: redactPaths, censor: "[redacted]" }, base: null };
  if (pretty) return pino({ ...base, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:standard" } } });
  return pino(base, pino.destination({ dest: opts.destination ?? 1, sync: opts.sync ?? false }));
}

/**
 * User-supplied text for a log line or record: control characters escaped and length capped,
 * so a crafted user name cannot forge a second line or a fake `rip=` field for fail2ban.
 */
export function untrusted(text: string, max = 256): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
