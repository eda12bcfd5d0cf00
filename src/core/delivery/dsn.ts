// Delivery status notifications (bounces): RFC 3464 multipart/report with a human part, a
// machine-readable delivery-status part (one block per failed recipient) and the original
// header section (text/rfc822-headers; RFC 6533's global variants when they hold UTF-8).
//
// A DSN is sent with the null reverse-path and is never produced for a message that had one
// (RFC 5321 §4.5.5, RFC 3464 §2): two servers bouncing bounces at each other would loop.
import crypto from "node:crypto";
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { Envelope } from "../flow/types.js";

export interface DsnFailure {
  readonly recipient: Address;
  /** RFC 3463 status, e.g. "5.1.1" (see dsnStatus). */
  readonly status: string;
  /** The remote server's reply ("550 5.1.1 No such user"), or our own reason. */
  readonly diagnostic: string;
  /** True when the diagnostic is a remote SMTP reply (Diagnostic-Code: smtp; …). */
  readonly remoteReply: boolean;
  /** The remote host that gave the reply, if any. */
  readonly remoteMta: string | undefined;
  readonly lastAttemptAt: EpochMs;
}

export interface DsnInput {
  /** Our host name: Reporting-MTA and the MAILER-DAEMON address. */
  readonly reportingMta: string;
  readonly originalMailFrom: Address | null;
  readonly envelopeId: string | null;
  readonly arrivalDate: EpochMs;
  readonly now: EpochMs;
  readonly failures: readonly DsnFailure[];
  /** The original message; only its header section is returned. */
  readonly original: Buffer;
  /** For tests: the boundary and Message-ID token. */
  readonly token?: string;
}

/** Header sections are rarely past a few KiB; a huge one is cut rather than mailed back whole. */
const MAX_RETURNED_HEADERS = 64 * 1024;
const ENHANCED = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/;

/**
 * The RFC 3463 status for a failure: the enhanced code of the remote reply when it has one,
 * else one derived from the reply code, else `fallback` (e.g. "4.4.7" delivery time expired).
 */
export function dsnStatus(code: number, response: string, fallback: string): string {
  const enhanced = ENHANCED.exec(response.trim());
  if (enhanced) return `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  if (code >= 500 && code < 600) return "5.0.0";
  if (code >= 400 && code < 500 && fallback.startsWith("5")) return "4.0.0";
  return fallback;
}

/** RFC 5322 date-time in UTC. */
export function rfc5322Date(ms: EpochMs): string {
  return new Date(ms).toUTCString().replace(/GMT$/, "+0000");
}

// eslint-disable-next-line no-control-regex
const hasNonAscii = (text: string | Buffer) => /[^\x00-\x7f]/.test(typeof text === "string" ? text : text.toString("latin1"));

/** Remote text becomes one bounded header-safe line: no CR/LF can start a forged field. */
function oneLine(text: string, max = 900): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/\r?\n/g, " ").replace(/[\u0000-\u001f\u007f]/g, " ").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The header section (up to the first empty line), with CRLF line ends. */
export function headerSection(message: Buffer): Buffer {
  const text = message.toString("latin1");
  const end = /\r?\n\r?\n/.exec(text);
  const head = (end ? text.slice(0, end.index) : text).slice(0, MAX_RETURNED_HEADERS);
  return Buffer.from(`${head.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`, "latin1");
}

function recipientBlock(f: DsnFailure): string {
  const type = hasNonAscii(f.recipient) ? "utf-8" : "rfc822";
  const lines = [`Final-Recipient: ${type}; ${f.recipient}`, "Action: failed", `Status: ${f.status}`];
  if (f.remoteMta) lines.push(`Remote-MTA: dns; ${oneLine(f.remoteMta, 255)}`);
  lines.push(`Diagnostic-Code: ${f.remoteReply ? "smtp" : "x-moat"}; ${oneLine(f.diagnostic)}`);
  lines.push(`Last-Attempt-Date: ${rfc5322Date(f.lastAttemptAt)}`);
  return lines.join("\r\n");
}

function humanText(input: DsnInput): string {
  const lines = [
    `This is the mail system at host ${input.reportingMta}.`,
    "",
    "Your message could not be delivered to one or more recipients.",
    "It is attached below (headers only). The recipients and the reasons:",
    "",
  ];
  for (const f of input.failures) lines.push(`<${f.recipient}>: ${oneLine(f.diagnostic)}`);
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * The bounce for the failed recipients of one message, to its sender; undefined when the
 * message had the null sender (a bounce is never bounced) or nothing failed.
 */
export function buildDsn(input: DsnInput): { envelope: Envelope; message: Buffer } | undefined {
  const sender = input.originalMailFrom;
  if (sender === null || input.failures.length === 0) return undefined;
  const token = input.token ?? crypto.randomBytes(12).toString("hex");
  const boundary = `=_moat_dsn_${token}`;
  const headers = headerSection(input.original);
  const text = humanText(input);
  const global = hasNonAscii(headers) || input.failures.some((f) => hasNonAscii(f.recipient)) || hasNonAscii(sender);

  const perMessage = [`Reporting-MTA: dns; ${input.reportingMta}`];
  if (input.envelopeId) perMessage.push(`Original-Envelope-Id: ${oneLine(input.envelopeId, 100)}`);
  perMessage.push(`Arrival-Date: ${rfc5322Date(input.arrivalDate)}`);
  const status = [perMessage.join("\r\n"), ...input.failures.map(recipientBlock)].join("\r\n\r\n");

  const head = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${sender}>`,
    "Subject: Undelivered Mail Returned to Sender",
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${token}.dsn@${input.reportingMta}>`,
    // RFC 3834: an automatic reply, so vacation responders and other robots leave it alone.
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=${global ? "global-delivery-status" : "delivery-status"}; boundary="${boundary}"`,
    "",
    "This is a MIME-encapsulated message.",
    "",
  ].join("\r\n");
  const cte = (body: string | Buffer) => (hasNonAscii(body) ? "8bit" : "7bit");
  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${cte(text)}\r\n\r\n${text}`,
    `--${boundary}\r\nContent-Type: message/${global ? "global-delivery-status" : "delivery-status"}\r\n\r\n${status}\r\n`,
    `--${boundary}\r\nContent-Type: ${global ? "message/global-headers" : "text/rfc822-headers"}\r\nContent-Transfer-Encoding: ${cte(headers)}\r\n\r\n`,
  ];
  const message = Buffer.concat([
    Buffer.from(`${head}\r\n${parts.join("\r\n")}`, "utf8"),
    headers,
    Buffer.from(`\r\n--${boundary}--\r\n`, "utf8"),
  ]);
  const envelope: Envelope = {
    mailFrom: null,
    recipients: [sender],
    smtpUtf8: hasNonAscii(sender),
    body: hasNonAscii(message) ? "8BITMIME" : "7BIT",
  };
  return { envelope, message };
}
