// The shapes a message is indexed into at delivery. They are stored as JSON in the database,
// so everything here is plain data: strings, numbers, null, arrays and objects, no Buffers,
// no undefined values, no classes.

/**
 * One address of an ENVELOPE address list as RFC 3501 §7.4.2 defines it:
 * [personal name, at-domain-list (source route), mailbox name, host name].
 * Group syntax (RFC 5322 §3.4) is two markers around the members: the start is
 * [null, null, groupName, null] and the end is [null, null, null, null].
 */
export type ImapAddress = readonly [name: string | null, adl: string | null, mailbox: string | null, host: string | null];

/**
 * The ENVELOPE of a message (RFC 3501 §7.4.2), ready to be written. Strings are the header text
 * unfolded but not RFC 2047-decoded, as RFC 3501 requires; null is NIL. Sender and Reply-To
 * already default to From when absent or empty, as the same section asks of the server.
 */
export interface ImapEnvelope {
  readonly date: string | null;
  readonly subject: string | null;
  readonly from: readonly ImapAddress[] | null;
  readonly sender: readonly ImapAddress[] | null;
  readonly replyTo: readonly ImapAddress[] | null;
  readonly to: readonly ImapAddress[] | null;
  readonly cc: readonly ImapAddress[] | null;
  readonly bcc: readonly ImapAddress[] | null;
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
}

/** A Content-Type or Content-Disposition parameter as BODYSTRUCTURE lists it: [name, value]. */
export type MimeParam = readonly [name: string, value: string];

/** The message inside a message/rfc822 part: its envelope and its own structure tree. */
export interface EncapsulatedMessage {
  readonly envelope: ImapEnvelope;
  /** The encapsulated message as an entity: its header is the message header. */
  readonly structure: MimePart;
}

/**
 * One MIME entity with byte offsets into the raw message. The header range includes the blank
 * line that ends it, when there is one; the body range follows it. A multipart has `parts` (empty
 * when no boundary was found, which BODYSTRUCTURE writes as one empty text/plain part, as
 * Dovecot does); a message/rfc822 has `message`; every other part is a leaf.
 */
export interface MimePart {
  readonly headerStart: number;
  readonly headerLength: number;
  readonly bodyStart: number;
  readonly bodyLength: number;
  /** Lower-cased media type and subtype; text/plain when absent or invalid (RFC 2045 §5.2). */
  readonly type: string;
  readonly subtype: string;
  /** Content-Type parameters, RFC 2231 continuations merged the way Dovecot lists them. */
  readonly params: readonly MimeParam[];
  readonly id: string | null;
  readonly description: string | null;
  /** Lower-cased Content-Transfer-Encoding token; null is the RFC 2045 §6.1 default, 7bit. */
  readonly encoding: string | null;
  /** Body octets, as BODYSTRUCTURE reports them. */
  readonly size: number;
  /** Body lines (line feeds in the body). */
  readonly lines: number;
  readonly md5: string | null;
  /** Lower-cased Content-Disposition type (RFC 2183), or null. */
  readonly disposition: string | null;
  readonly dispositionParams: readonly MimeParam[];
  readonly language: readonly string[] | null;
  readonly location: string | null;
  /** The attachment's file name, RFC 2231/2047-decoded, for people (webmail); not sent to IMAP. */
  readonly filename: string | null;
  readonly parts?: readonly MimePart[];
  readonly message?: EncapsulatedMessage;
  /**
   * Set when a multipart or message/rfc822 was not opened because a cap against MIME bombs
   * (nesting depth, number of parts) was reached: its body is kept as one opaque leaf.
   */
  readonly opaque?: true;
}

/** Nesting depth and part count caps, the defaults of Dovecot 2.3's message parser. */
export const MAX_MIME_DEPTH = 100;
export const MAX_MIME_PARTS = 10_000;
