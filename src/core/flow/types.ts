// The vocabulary of the mail-flow pipeline: where a message comes from, its envelope, and the
// closed set of verdicts. Protocol code maps a verdict to its own reply (SMTP code, HTTP
// status); it never decides policy itself.
import type { Address } from "../../mail/address.js";

export interface TlsFacts {
  /** e.g. "TLSv1.3" */
  readonly protocol: string;
  /** e.g. "TLS_AES_256_GCM_SHA384" */
  readonly cipher: string;
}

/** The facts of the SMTP session a message arrived in, for checks and the Received header. */
export interface SmtpSessionFacts {
  readonly ip: string;
  /** The EHLO/HELO name the client gave (untrusted text). */
  readonly helo: string;
  readonly tls: TlsFacts | null;
  /** Our own name and the listener, for the Received header ("by … with ESMTPS"). */
  readonly listener: "smtp" | "submission" | "submissions";
  readonly sessionId: string;
}

export type Origin =
  /** Mail from the internet, to our domains (MX, port 25). */
  | ({ readonly kind: "mx" } & SmtpSessionFacts)
  /** Mail from one of our users, authenticated (submission 587/465; webmail later). */
  | ({ readonly kind: "submission"; readonly userId: number; readonly user: Address } & SmtpSessionFacts)
  /** Mail the server itself writes: bounces (DSN), notices, alerts. */
  | { readonly kind: "system"; readonly purpose: "bounce" | "notice" };

export interface Envelope {
  /** null is the null reverse-path "<>" of bounces. */
  readonly mailFrom: Address | null;
  readonly recipients: readonly Address[];
  /** RFC 6531: the client asked for SMTPUTF8. */
  readonly smtpUtf8: boolean;
  /** RFC 6152 BODY=8BITMIME (or 7BIT when declared / absent). */
  readonly body: "7BIT" | "8BITMIME";
  /**
   * Recipients the edge already refused for a policy (checkRecipient said "policy"): an
   * internal-only sender's message that lost outside recipients is refused whole unless its
   * domain allows partial delivery.
   */
  readonly refusedRecipients?: readonly Address[];
}

/** Why a message or recipient was not accepted; each edge maps it to its own reply. */
export type RefusalReason =
  | "unknown_recipient" // 550 5.1.1
  | "relay_denied" // 554 5.7.1
  | "sender_not_owned" // 553 5.7.1
  | "auth_required" // 530 5.7.0
  | "bad_address" // 501 5.1.3 / 553 5.1.3
  | "dmarc_reject" // 550 5.7.1
  | "too_large" // 552 5.3.4
  | "too_many_recipients" // 452 4.5.3
  | "mail_loop" // 554 5.4.6
  | "over_quota" // 552 5.2.2 (permanent) / 452 4.2.2 (temporary)
  | "policy" // 550 5.7.1, with the policy's own sentence
  | "unavailable"; // 451 4.3.0: a store or lookup failed; the sender retries

export type Verdict =
  | { readonly kind: "accept"; /** A queue/trace id for the 250 reply. */ readonly id?: string }
  | { readonly kind: "reject"; readonly reason: RefusalReason; /** Safe to show the sender. */ readonly text: string }
  | { readonly kind: "tempfail"; readonly reason: RefusalReason; readonly text: string };

/**
 * The one pipeline every message goes through (DESIGN.md "Mail flow"). The SMTP session calls
 * checkSender at MAIL FROM, checkRecipient at each RCPT TO and process after DATA; process
 * resolves "accept" only once the message is on stable storage for every recipient.
 */
export interface MailFlow {
  checkSender(origin: Origin, mailFrom: Address | null, declaredSize: number | undefined): Promise<Verdict>;
  checkRecipient(origin: Origin, mailFrom: Address | null, recipient: Address): Promise<Verdict>;
  process(origin: Origin, envelope: Envelope, message: Buffer): Promise<Verdict>;
}
