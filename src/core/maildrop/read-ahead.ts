// POP3 clients download a maildrop in order, one RETR at a time, each waiting for its reply.
// Reading every body with its own query cost more than anything else Moat does per RETR
// (bench/pop3: a statement's round through the query builder, the driver and SQLite's read
// transaction), so when a body is asked for that is not at hand, the inline bodies of the next
// few messages are read with it in one query and held until asked for. Only one batch is held
// at a time, bounded by count and octets; large bodies (blob store) are never read ahead. The
// first batch is small and each next one twice as large, so a session that reads a few messages
// (RETR 1..5, then QUIT) reads few more than it asked for.
// Held bytes are the message's bytes as read then: the maildrop is a snapshot (RFC 1939 §5),
// so serving a body read before another session expunged the message is what a RETR a moment
// earlier would have sent.
import type { MailboxOperations } from "../mailstore/operations.js";
import type { StoredMessage } from "../ports/mailstore.js";

/** What a read needs of a maildrop entry (maildrop.ts's MaildropEntry). */
export interface BodyEntry {
  /** The entry's number in the session, the key of a held body. */
  readonly number: number;
  readonly size: number;
  readonly message: StoredMessage;
}

/** The first batch's messages (the one asked for included); each next batch doubles, up to readAheadMessages. */
export const firstReadAhead = 2;
/** At most this many messages per batch. */
export const readAheadMessages = 16;
/** At most this many octets per batch, by the sizes the maildrop lists. */
export const readAheadOctets = 128 * 1024;

export class BodyReadAhead {
  /** The current batch: entry number → body, each taken once. */
  readonly #held = new Map<number, Buffer>();
  #batchSize = firstReadAhead;

  constructor(private readonly mailboxes: Pick<MailboxOperations, "read" | "readInlineMany">) {}

  /**
   * The body of `entry`. `following` lists the entries after it that may be read with it (the
   * maildrop's live entries in order); only as many as the bounds allow are looked at.
   */
  async read(entry: BodyEntry, following: Iterable<BodyEntry>): Promise<Buffer> {
    const held = this.take(entry);
    if (held !== undefined) return held;
    const batch = batchFrom(entry, following, this.#batchSize);
    if (batch.length > 1) {
      this.#batchSize = Math.min(readAheadMessages, this.#batchSize * 2);
      const bodies = await this.mailboxes.readInlineMany(batch.map((e) => e.message));
      this.#held.clear();
      for (const next of batch.slice(1)) {
        const body = bodies.get(next.message.bodyHash);
        if (body !== undefined) this.#held.set(next.number, body);
      }
      const own = bodies.get(entry.message.bodyHash);
      if (own !== undefined) return own;
    }
    // Alone, in the blob store, or gone (expunged over IMAP and its body released: read() says so).
    return this.mailboxes.read(entry.message);
  }

  /**
   * The body of `entry` if the current batch holds it, taken at once (undefined otherwise: then
   * read() it). Lets POP3 answer most RETRs of a download without waiting on anything.
   */
  take(entry: BodyEntry): Buffer | undefined {
    const held = this.#held.get(entry.number);
    if (held !== undefined) this.#held.delete(entry.number);
    return held;
  }

  /** How many bodies are held (tests). */
  get size(): number {
    return this.#held.size;
  }
}

function batchFrom(entry: BodyEntry, following: Iterable<BodyEntry>, messages: number): BodyEntry[] {
  const batch = [entry];
  if (entry.size > readAheadOctets) return batch;
  let octets = entry.size;
  for (const next of following) {
    if (batch.length >= messages || octets + next.size > readAheadOctets) break;
    batch.push(next);
    octets += next.size;
  }
  return batch;
}
