// Indexing a message once, at delivery (DESIGN.md, Storage): its MIME tree with byte offsets,
// its ENVELOPE, and the decoded fields search and lists need. IMAP FETCH then answers
// ENVELOPE, BODYSTRUCTURE and BODY[section] from this index without parsing the message again.
// Never throws on malformed mail: whatever parses is indexed (DESIGN.md, Errors and bad input).
import libmime from "libmime";
import { extractBodyText } from "./body-text.js";
import { parseMailDate } from "./date.js";
import { parseMessage } from "./structure.js";
import type { ImapEnvelope, MimePart } from "./types.js";

export interface MessageIndex {
  /** Octets of the raw message (RFC822.SIZE). */
  readonly size: number;
  /** The MIME tree with byte offsets into the raw message. */
  readonly structure: MimePart;
  readonly envelope: ImapEnvelope;
  /** The Date header as epoch milliseconds; null when absent or unparseable. */
  readonly date: number | null;
  /** The Subject, RFC 2047-decoded; "" when absent. */
  readonly subject: string;
  /** The Message-ID ("<...>"), or null. */
  readonly messageId: string | null;
  /** Decoded text of the text/* parts (HTML reduced to text), at most 1 MiB, for SEARCH. */
  readonly bodyText: string;
}

/** The index without its search text: all FETCH needs, small enough to read per message. */
export type MessageSummary = Omit<MessageIndex, "bodyText">;

function decodedSubject(raw: string | null): string {
  if (raw === null) return "";
  try {
    return libmime.decodeWords(raw).replace(/\s+/g, " ").trim();
  } catch {
    return raw;
  }
}

/** The msg-id of a Message-ID value (RFC 5322 §3.6.4), else the trimmed value. */
function messageIdOf(value: string | null): string | null {
  if (value === null) return null;
  const id = /<[^<>]*>/.exec(value)?.[0] ?? value.trim();
  return id === "" ? null : id;
}

export function indexMessage(raw: Buffer): MessageIndex {
  const { structure, envelope } = parseMessage(raw);
  return {
    size: raw.length,
    structure,
    envelope,
    date: parseMailDate(envelope.date),
    subject: decodedSubject(envelope.subject),
    messageId: messageIdOf(envelope.messageId),
    bodyText: extractBodyText(raw, structure),
  };
}
