// What a rule's conditions read of one message, each fact worked out the first time a rule
// asks for it and then kept: a message no rule asks about the body of never has its body text
// lower-cased, nor its MIME tree walked for attachments. Built from the pipeline's context
// (admin-rules-stage.ts) or from a stored message (the dry run).
import libmime from "libmime";
import type { MessageIndex } from "../../../mail/mime/index-message.js";
import type { ImapAddress, MimePart } from "../../../mail/mime/types.js";
import { headerValues } from "../trace-headers.js";

export interface FactSource {
  /** The raw message (header fields read from it). */
  readonly message: Buffer;
  /** Its index: envelope addresses, decoded subject, MIME tree. */
  readonly index: Omit<MessageIndex, "bodyText">;
  /** The decoded text, read only when a body condition runs. */
  readonly bodyText: () => string;
  readonly mailFrom: string | null;
  readonly recipients: readonly string[];
  /** SPF/DKIM/DMARC verdicts; null: not mail from the internet ("none"). */
  readonly auth: { readonly spf: string; readonly dkim: string; readonly dmarc: string } | null;
  /** Whether a filter's spam-score header may be believed (mail from the internet only). */
  readonly trustSpamHeader: boolean;
}

const addressesOf = (list: readonly ImapAddress[] | null): string[] =>
  (list ?? []).flatMap(([, , mailbox, host]) => (mailbox && host ? [`${mailbox}@${host}`.toLowerCase()] : []));

function decoded(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** Leaves with a file name or an attachment disposition, through nested multiparts. */
function attachments(part: MimePart, out: MimePart[] = []): MimePart[] {
  if (part.parts) for (const child of part.parts) attachments(child, out);
  else if (part.disposition === "attachment" || part.filename !== null) out.push(part);
  return out;
}

/** A score from a filter's header: "5.3", "5.3 (+++++)", or SpamAssassin's "Yes, score=5.3 required=5.0". */
export function scoreOf(value: string): number | null {
  const m = /(?:^|\bscore=)\s*(-?\d+(?:\.\d+)?)/i.exec(value.trim());
  return m ? Number(m[1]) : null;
}

export class MessageFacts {
  private readonly texts = new Map<string, readonly string[]>();
  private readonly lowered = new Map<string, readonly string[]>();
  private readonly scores = new Map<string, number | null>();

  constructor(private readonly source: FactSource) {}

  get size(): number {
    return this.source.message.length;
  }

  verdict(kind: "spf" | "dkim" | "dmarc"): string {
    return this.source.auth ? this.source.auth[kind].toLowerCase() : "none";
  }

  /** The score in the trusted header, or null (no header named, not trusted, absent, not a number). */
  spamScore(header: string | null): number | null {
    if (header === null || !this.source.trustSpamHeader) return null;
    const key = header.toLowerCase();
    if (!this.scores.has(key)) this.scores.set(key, scoreOf(headerValues(this.source.message, header)[0] ?? ""));
    return this.scores.get(key)!;
  }

  /**
   * The body text's lines, of its first 256 KiB: a regular expression on the body is tried
   * line by line, so even a pattern with several open repetitions works on short inputs.
   */
  bodyLines(): readonly string[] {
    let lines = this.texts.get("\nlines");
    if (!lines) this.texts.set("\nlines", (lines = this.source.bodyText().slice(0, 256 * 1024).split(/\r?\n/)));
    return lines;
  }

  /** The values of a text field as they are (regular expressions and globs read these). */
  text(field: string): readonly string[] {
    let values = this.texts.get(field);
    if (!values) this.texts.set(field, (values = this.compute(field)));
    return values;
  }

  /** The same, lower-cased once (is and contains compare these). */
  lower(field: string): readonly string[] {
    let values = this.lowered.get(field);
    if (!values) this.lowered.set(field, (values = this.text(field).map((v) => v.toLowerCase())));
    return values;
  }

  private compute(field: string): readonly string[] {
    const { index, mailFrom, recipients, message } = this.source;
    switch (field) {
      case "from":
        return [...new Set([...(mailFrom ? [mailFrom.toLowerCase()] : []), ...addressesOf(index.envelope.from)])];
      case "from-domain":
        return [...new Set(this.text("from").map((a) => a.slice(a.lastIndexOf("@") + 1)))];
      case "to":
        return [...new Set([...recipients.map((r) => r.toLowerCase()), ...addressesOf(index.envelope.to), ...addressesOf(index.envelope.cc)])];
      case "subject":
        return [index.subject];
      case "body":
        return [this.source.bodyText()];
      case "attachment-name":
        return attachments(index.structure).flatMap((p) => (p.filename ? [p.filename] : []));
      case "attachment-type":
        return attachments(index.structure).map((p) => `${p.type}/${p.subtype}`);
      default:
        // header:NAME — every field of that name, RFC 2047 words decoded.
        return headerValues(message, field.slice("header:".length)).map(decoded);
    }
  }
}
