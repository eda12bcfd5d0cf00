// The contract of the Sieve engine (issue 7 item 6): what a user's script sees of a message,
// and what running it decides. The engine is pure (no store, no clock): delivery builds a
// SieveMessage per local recipient, runs the compiled script, and carries out the actions.
// RFC 5228 (base), 5229-free; extensions: fileinto, reject/ereject (5429), envelope, body
// (5173), vacation (5230) with vacation-seconds (6131), imap4flags (5232), copy (3894),
// mailbox (5490 :create), relational (5231), encoded-character (5228 §2.4.2.4).

/** What a script reads of one message, for one recipient. */
export interface SieveMessage {
  /**
   * The values of every header field of this name (case-insensitive), unfolded and RFC 2047-
   * decoded (RFC 5228 §5.7), in message order; [] when absent.
   */
  header(name: string): readonly string[];
  /** RFC 5228 §5.4: "from" is "" for the null reverse-path; "to" is the recipient this copy is for. */
  /**
   * The values of every header field of this name, unfolded but NOT RFC 2047-decoded, for the
   * address test (RFC 5228 §5.1 compares addresses, never display names): a decoded name such
   * as "boss@corp.example" must not pass for an address. When absent, header() is used.
   * sieveMessageOf (message.ts) provides it.
   */
  rawHeader?(name: string): readonly string[];
  readonly envelope: { readonly from: string; readonly to: string };
  /** Octets of the message (RFC 5228 §5.9). */
  readonly size: number;
  /**
   * RFC 5173: the body as the transform asks — ":raw" the undecoded body after the header,
   * ":text" the decoded text of the text parts, ":content" the decoded parts whose type
   * matches one of `types` ("text", "text/html", "" for every part).
   */
  body(transform: SieveBodyTransform): readonly string[];
  /**
   * RFC 5490 §3.1 mailboxexists: whether the recipient has a mailbox of this name that a
   * fileinto could deliver to. When absent, every mailboxexists test is false.
   */
  mailboxExists?(name: string): boolean;
}

export type SieveBodyTransform =
  | { readonly kind: "raw" }
  | { readonly kind: "text" }
  | { readonly kind: "content"; readonly types: readonly string[] };

/** The actions a run leaves, in the order the script took them (RFC 5228 §2.10). */
export type SieveAction =
  | { readonly kind: "keep"; readonly flags: readonly string[] }
  | { readonly kind: "fileinto"; readonly mailbox: string; readonly flags: readonly string[]; readonly create: boolean }
  | { readonly kind: "redirect"; readonly address: string; readonly copy: boolean }
  | { readonly kind: "discard" }
  /** ereject (RFC 5429) asks for refusal in the SMTP transaction; after acceptance both become a rejection notice. */
  | { readonly kind: "reject"; readonly reason: string; readonly ereject: boolean }
  | { readonly kind: "vacation"; readonly vacation: SieveVacation };

/** RFC 5230 §4: the reply's parts; whether to send it (days, lists, own address) is delivery's decision. */
export interface SieveVacation {
  readonly reason: string;
  /** :mime — the reason is a MIME entity (headers + body) rather than plain text. */
  readonly mime: boolean;
  readonly subject: string | null;
  readonly from: string | null;
  /** :addresses — more addresses of the user, beyond the recipient's own. */
  readonly addresses: readonly string[];
  /** :days converted to seconds (RFC 6131 :seconds accepted too); default 7 days. */
  readonly periodSeconds: number;
  /** :handle, or null (delivery then derives one from reason, subject, from, mime). */
  readonly handle: string | null;
}

export interface SieveOutcome {
  /**
   * Final actions: an implicit keep (RFC 5228 §2.10.2) is added as a "keep" when nothing
   * cancelled it. A runtime error leaves just [{ kind: "keep", flags: [] }] and the error.
   */
  readonly actions: readonly SieveAction[];
  readonly error: string | null;
}

export interface SieveProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A parsed and checked script; opaque to delivery except for what save-time checks need. */
export interface CompiledSieve {
  /** Literal addresses of every redirect command, for the forwarding ban at save time. */
  readonly redirectTargets: readonly string[];
  /** Extensions named in `require`. */
  readonly requires: readonly string[];
}

export type SieveCompileResult =
  | { readonly ok: true; readonly script: CompiledSieve }
  | { readonly ok: false; readonly errors: readonly SieveProblem[] };

/** The extensions Moat offers (ManageSieve SIEVE capability order). */
export const sieveExtensions = ["fileinto", "reject", "ereject", "envelope", "body", "vacation", "imap4flags", "copy", "mailbox", "comparator-i;ascii-numeric", "relational", "encoded-character", "vacation-seconds"] as const;
