// A message the server writes itself (a notice to an auditor, a rejected sender, a user whose
// password expires): plain text, From the domain's postmaster, marked auto-generated (RFC 3834)
// so vacation responders leave it alone. Sent through the one mail flow as origin system.
import libmime from "libmime";
import { randomId } from "../../shared/ids.js";
import type { EpochMs } from "../accounts/types.js";
import { rfc5322Date } from "../delivery/dsn.js";

export interface Notice {
  readonly fromDomain: string;
  readonly to: string;
  readonly subject: string;
  readonly lines: readonly string[];
  /** Names the Message-ID, e.g. "held" gives <random.held@host>. */
  readonly kind: string;
}

export function noticeMessage(notice: Notice, now: EpochMs, hostname: string): Buffer {
  const subject = /^[\x20-\x7e]*$/.test(notice.subject) ? notice.subject : libmime.encodeWords(notice.subject, "Q", 52);
  const head = [
    `From: Postmaster <postmaster@${notice.fromDomain}>`,
    `To: <${notice.to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${randomId(12)}.${notice.kind}@${hostname}>`,
    "Auto-Submitted: auto-generated",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${notice.lines.join("\r\n")}\r\n`, "utf8");
}
