// The vacation responder's rules (RFC 5230): whether this message may get an automatic reply,
// the handle that names "the same vacation" (§4.2), and the reply itself (§4.5–§5). Whether
// the sender heard from us within :days is the caller's question to the store.
import crypto from "node:crypto";
import libmime from "libmime";
import { localPartOf, type Address } from "../../../mail/address.js";
import { randomId } from "../../../shared/ids.js";
import type { EpochMs } from "../../accounts/types.js";
import { rfc5322Date } from "../../delivery/dsn.js";
import { parseAddressList } from "../../sieve/address-list.js";
import type { SieveMessage, SieveVacation } from "../../sieve/index.js";

/** Replies are remembered (and :days honoured) for at most a year; older memory is pruned. */
export const maxVacationPeriodMs = 365 * 86_400_000;

const listHeaders = ["list-id", "list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive"];
const recipientHeaders = ["to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"];

/** The addresses of every mailbox in these header fields, lower-cased. */
function addressesIn(message: SieveMessage, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    for (const value of message.rawHeader?.(name) ?? message.header(name)) {
      for (const a of parseAddressList(value)) if (a.valid) out.add(`${a.localpart}@${a.domain}`.toLowerCase());
    }
  }
  return out;
}

/**
 * Why no reply may be sent (a sentence for the trace), or null when one may. RFC 5230 §4.5:
 * never to the null path or to list and daemon addresses, only when one of the user's
 * addresses is a visible recipient; §4.6 with RFC 3834: never to automatic mail or lists.
 */
export function vacationRefusal(message: SieveMessage, sender: Address | null, own: ReadonlySet<string>): string | null {
  if (sender === null) return "the message has no return path";
  if (own.has(sender)) return "the sender is the user";
  const local = localPartOf(sender);
  if (/^(mailer-daemon|listserv|majordomo)$/i.test(local) || /^owner-/i.test(local) || /-request$/i.test(local)) return `${sender} is a list or daemon address`;
  const auto = message.header("auto-submitted")[0];
  if (auto !== undefined && auto.trim().split(/[\s;(]/)[0]!.toLowerCase() !== "no") return "the message was sent automatically (Auto-Submitted)";
  if (message.header("precedence").some((p) => /^\s*(bulk|list|junk)\b/i.test(p))) return "the message is bulk or list mail (Precedence)";
  if (listHeaders.some((h) => message.header(h).length > 0)) return "the message came through a mailing list (List-*)";
  const visible = addressesIn(message, recipientHeaders);
  if (![...own].some((a) => visible.has(a))) return "none of the user's addresses is in To, Cc or Bcc";
  return null;
}

/** RFC 5230 §4.2: without :handle, vacations with the same reason, subject, from and :mime are the same. */
export function vacationHandle(v: SieveVacation): string {
  if (v.handle !== null) return `h:${v.handle}`;
  return `d:${crypto.createHash("sha256").update(JSON.stringify([v.reason, v.subject, v.from, v.mime])).digest("hex").slice(0, 32)}`;
}

/** The reply period in milliseconds, capped at the memory's lifetime. */
export function vacationPeriodMs(v: SieveVacation): number {
  return Math.min(v.periodSeconds * 1000, maxVacationPeriodMs);
}

const headerSafe = (text: string) => text.replace(/[\r\n]+/g, " ").slice(0, 900);
const encoded = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text : libmime.encodeWords(text, "Q", 52));

/**
 * The reply (RFC 5230 §5): From the user (or :from when it is one of the user's addresses),
 * To the sender, "Auto: subject" unless :subject says otherwise, threaded with In-Reply-To and
 * References, marked Auto-Submitted: auto-replied (RFC 3834) so other responders stay quiet.
 */
export function vacationReply(v: SieveVacation, facts: { user: Address; own: ReadonlySet<string>; sender: Address; message: SieveMessage; now: EpochMs; hostname: string }): Buffer {
  const fromParsed = v.from === null ? [] : parseAddressList(v.from);
  const fromAddress = fromParsed[0]?.valid ? `${fromParsed[0].localpart}@${fromParsed[0].domain}`.toLowerCase() : null;
  const from = fromAddress !== null && facts.own.has(fromAddress) ? headerSafe(v.from!) : `<${facts.user}>`;
  const original = facts.message.header("subject")[0] ?? "";
  const subject = v.subject ?? `Auto: ${original}`;
  const messageId = (facts.message.rawHeader?.("message-id") ?? facts.message.header("message-id"))[0]?.trim();
  const references = (facts.message.rawHeader?.("references") ?? facts.message.header("references"))[0]?.trim();
  const head = [
    `From: ${from}`,
    `To: <${facts.sender}>`,
    `Subject: ${encoded(headerSafe(subject))}`,
    `Date: ${rfc5322Date(facts.now)}`,
    `Message-ID: <${randomId(12)}.vacation@${facts.hostname}>`,
    ...(messageId ? [`In-Reply-To: ${headerSafe(messageId)}`, `References: ${headerSafe([references, messageId].filter(Boolean).join(" "))}`] : []),
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
  ];
  const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");
  // :mime — the reason is a MIME entity: its own header fields, a blank line, its body.
  if (v.mime) return Buffer.from(`${head.join("\r\n")}\r\n${crlf(v.reason.replace(/^\s+/, ""))}\r\n`, "utf8");
  head.push("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit");
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${crlf(v.reason)}\r\n`, "utf8");
}
