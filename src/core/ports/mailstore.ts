// What the mailbox store needs from persistence: mailboxes with their UID/MODSEQ counters,
// message bodies indexed once (and kept inline when small), and message rows per mailbox.
import type { MessageIndex } from "../../mail/mime/index-message.js";
import type { EpochMs } from "../accounts/types.js";

/** RFC 6154 attributes of the folders every user gets. INBOX is special by name (RFC 3501). */
export type SpecialUse = "\\Sent" | "\\Drafts" | "\\Junk" | "\\Trash" | "\\Archive";

export interface Mailbox {
  readonly id: number;
  readonly userId: number;
  /** Full hierarchical name, "/"-separated, UTF-8. "INBOX" is always upper-case. */
  readonly name: string;
  readonly specialUse: SpecialUse | null;
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModseq: number;
  readonly subscribed: boolean;
  readonly createdAt: EpochMs;
}

export interface StoredMessage {
  readonly id: number;
  readonly mailboxId: number;
  readonly uid: number;
  readonly modseq: number;
  readonly bodyHash: string;
  readonly size: number;
  /** System flags (\Seen …) and keywords, as IMAP spells them. */
  readonly flags: readonly string[];
  readonly internalDate: EpochMs;
}

export interface MessageBody {
  readonly hash: string;
  readonly size: number;
  /** The raw bytes when kept inline in the database, else null (in the blob store). */
  readonly inline: Buffer | null;
  readonly index: MessageIndex;
}

export interface MailboxRepository {
  create(userId: number, boxes: ReadonlyArray<{ name: string; specialUse: SpecialUse | null }>, uidValidity: number, now: EpochMs): Promise<Mailbox[]>;
  findByName(userId: number, name: string): Promise<Mailbox | undefined>;
  findSpecial(userId: number, specialUse: SpecialUse): Promise<Mailbox | undefined>;
  /** Ordered by name. */
  list(userId: number): Promise<Mailbox[]>;
}

export interface MessageRepository {
  /** Inserts the body once per content; a second put of the same hash is a no-op. */
  putBody(body: { hash: string; size: number; inline: Buffer | null; index: MessageIndex; now: EpochMs }): Promise<void>;
  getBody(hash: string): Promise<MessageBody | undefined>;
  /** Takes the mailbox's next UID and MODSEQ (atomically) and inserts the message row. */
  append(mailboxId: number, message: { bodyHash: string; size: number; flags: readonly string[]; internalDate: EpochMs }): Promise<StoredMessage>;
  /** In UID order. */
  list(mailboxId: number): Promise<StoredMessage[]>;
}

export interface QuotaRepository {
  /** Bytes of all the user's messages. */
  usage(userId: number): Promise<number>;
  /** Adds (or, negative, removes) bytes from the user's usage. */
  add(userId: number, bytes: number): Promise<void>;
}
