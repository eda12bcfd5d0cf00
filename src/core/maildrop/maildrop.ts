// A POP3 maildrop (RFC 1939): the user's POP3 folder as it was at login, numbered 1..n. DELE
// only marks; commit() — QUIT in the TRANSACTION state — applies the marks in one transaction
// through the shared mailbox operations, so IMAP sessions see them as EXPUNGE (or, in
// leave-on-server mode, as the $POP3Downloaded keyword). A session that ends any other way
// never calls commit(), and nothing changes (RFC 1939 §6).
import type { MailboxOperations } from "../mailstore/operations.js";
import type { StoredMessage } from "../ports/mailstore.js";
import type { Release } from "./lock.js";
import { BodyReadAhead } from "./read-ahead.js";

/** The keyword leave-on-server mode sets instead of expunging; such messages leave the maildrop. */
export const downloadedKeyword = "$POP3Downloaded";

export interface MaildropEntry {
  /** 1-based, fixed for the session (RFC 1939 §5). */
  readonly number: number;
  readonly size: number;
  /** RFC 1939 §7 unique-id: stable across sessions, derived from UIDVALIDITY and UID. */
  readonly uidl: string;
  readonly message: StoredMessage;
}

export type EntryLookup =
  | { readonly kind: "ok"; readonly entry: MaildropEntry }
  | { readonly kind: "no_such_message" }
  | { readonly kind: "deleted" };

export interface CommitResult {
  readonly removed: number;
}

/**
 * Dovecot's default pop3_uidl_format (%08Xu%08Xv): the UID then the UIDVALIDITY, each as eight
 * hex digits. The same message keeps it across sessions and restarts; a folder recreated with
 * a new UIDVALIDITY gives new ids, so a client downloads again rather than skip new mail.
 */
export function uidlOf(uidValidity: number, uid: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(uid)}${hex(uidValidity)}`;
}

export interface MaildropSource {
  readonly userId: number;
  readonly folder: string;
  readonly uidValidity: number;
  readonly leaveOnServer: boolean;
  readonly messages: readonly StoredMessage[];
}

export class Maildrop {
  readonly entries: readonly MaildropEntry[];
  private readonly marked = new Set<number>();
  private readonly bodies: BodyReadAhead;
  private released = false;

  constructor(
    private readonly source: MaildropSource,
    private readonly mailboxes: MailboxOperations,
    private readonly release: Release,
  ) {
    this.entries = source.messages.map((message, i) => ({ number: i + 1, size: message.size, uidl: uidlOf(source.uidValidity, message.uid), message }));
    this.bodies = new BodyReadAhead(mailboxes);
  }

  get leaveOnServer(): boolean {
    return this.source.leaveOnServer;
  }

  /** Messages not marked for deletion, and their octets (STAT). */
  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const entry of this.live()) {
      count++;
      octets += entry.size;
    }
    return { count, octets };
  }

  *live(): Iterable<MaildropEntry> {
    for (const entry of this.entries) if (!this.marked.has(entry.number)) yield entry;
  }

  lookup(number: number): EntryLookup {
    const entry = this.entries[number - 1];
    if (entry === undefined || number < 1) return { kind: "no_such_message" };
    return this.marked.has(number) ? { kind: "deleted" } : { kind: "ok", entry };
  }

  mark(number: number): void {
    this.marked.add(number);
  }

  /** RSET. */
  unmarkAll(): void {
    this.marked.clear();
  }

  /** The message's bytes when already read ahead, without waiting; undefined: read() them. */
  readHeld(entry: MaildropEntry): Buffer | undefined {
    return this.bodies.take(entry);
  }

  /** The message's bytes; the next messages' bodies are read with it (read-ahead.ts). */
  read(entry: MaildropEntry): Promise<Buffer> {
    return this.bodies.read(entry, this.liveAfter(entry.number));
  }

  private *liveAfter(number: number): Iterable<MaildropEntry> {
    for (let i = number; i < this.entries.length; i++) if (!this.marked.has(i + 1)) yield this.entries[i]!;
  }

  /** The UPDATE state: applies the marks in one transaction; resolves once it is committed. */
  async commit(): Promise<CommitResult> {
    const uids = this.entries.filter((e) => this.marked.has(e.number)).map((e) => [e.message.uid, e.message.uid] as const);
    if (uids.length === 0) return { removed: 0 };
    const { userId, folder } = this.source;
    if (this.source.leaveOnServer) {
      await this.mailboxes.setFlags(userId, folder, uids, { mode: "add", flags: [downloadedKeyword] });
      return { removed: uids.length };
    }
    const result = await this.mailboxes.expungeUids(userId, folder, uids);
    return { removed: result.uids.length };
  }

  /** Gives up the maildrop lock (whatever way the session ended). */
  close(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}
