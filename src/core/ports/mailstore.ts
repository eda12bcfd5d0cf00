// What the mailbox store needs from persistence: mailboxes with their UID/MODSEQ counters,
// message bodies indexed once (and kept inline when small), and message rows per mailbox.
import type { MessageIndex, MessageSummary } from "../../mail/mime/index-message.js";
import type { Address } from "../../mail/address.js";
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
  /** UIDs from here up to uidNext are \Recent and no session has claimed them yet (RFC 3501 §2.3.2). */
  readonly firstRecentUid: number;
  readonly createdAt: EpochMs;
  /** Deleted while it had children (RFC 3501 §6.3.4): no messages, not selectable, listed as \Noselect. */
  readonly noselect: boolean;
}

/** A UID taken in a mailbox (MessageRepository.takeUidInFolderOf), with the mailbox's owner. */
export interface UidSlot {
  readonly mailboxId: number;
  readonly userId: number;
  readonly uid: number;
  readonly modseq: number;
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
  /** `header`: the message's own header bytes (through the blank line), kept for SEARCH HEADER. */
  /** True when this call inserted the row, false when it was stored already. */
  putBody(body: { hash: string; size: number; inline: Buffer | null; index: MessageIndex; header?: Buffer | null; now: EpochMs }): Promise<boolean>;
  /**
   * putBody of a body whose bytes are `prefix` then those of the stored body `baseHash` from
   * `baseOffset` on, and whose search text is that body's: the row keeps only the prefix, and
   * every read gives the whole bytes; `hash` is the caller's key for that (shared-body.ts), and
   * one stored already is left as it is. False, writing nothing, unless `baseHash` is a whole
   * body kept inline (then the caller puts the body whole). `baseInserted`: the caller's
   * transaction inserted `baseHash` with its bytes inline (putBody returned true), so the base's
   * row is known whole without reading it. `own`: the body's index and kept header; null when
   * they are the base's with the base's first `baseOffset` bytes (X- fields) replaced by the
   * prefix (prefixedIndex), which every read then derives instead of a row (decision 0038).
   */
  putSharedBody(body: { hash: string; size: number; prefix: Buffer; baseHash: string; baseOffset: number; baseInserted?: boolean; own: { index: MessageIndex; header: Buffer | null } | null; now: EpochMs }): Promise<boolean>;
  getBody(hash: string): Promise<MessageBody | undefined>;
  /**
   * Only the bytes kept inline (null: they are in the blob store; undefined: no such body),
   * without the index, which is as large as the text again: what RETR and FETCH BODY[] need.
   */
  getInline(hash: string): Promise<Buffer | null | undefined>;
  /** getInline for many bodies in one query; absent hashes are left out. */
  getInlineMany(hashes: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** The index without its text (ENVELOPE, BODYSTRUCTURE, offsets) and without the bytes: what FETCH reads. */
  getSummary(hash: string): Promise<MessageSummary | undefined>;
  /** getSummary for many bodies in one query (a FETCH of a range); absent hashes are left out. */
  getSummaries(hashes: readonly string[]): Promise<Map<string, MessageSummary>>;
  /** The decoded text SEARCH BODY/TEXT reads. */
  getBodyText(hash: string): Promise<string | undefined>;
  /** getBodyText for many bodies in one query (SEARCH over a batch); absent hashes are left out. */
  getBodyTexts(hashes: readonly string[]): Promise<Map<string, string>>;
  /**
   * The first `length` bytes of inline bodies in one query (SEARCH HEADER reads the header, not
   * the message); null for a body in the blob store; absent hashes are left out.
   */
  getPrefixes(hashes: readonly string[], length: number): Promise<Map<string, Buffer | null>>;
  /** The header bytes putBody kept, in one query; null when none was kept (then getPrefixes); absent hashes are left out. */
  getHeaders(hashes: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** Whether a body row exists (a row names the blob), reading nothing else. */
  hasBody(hash: string): Promise<boolean>;
  /** Takes the mailbox's next UID and MODSEQ (atomically) and inserts the message row. */
  append(mailboxId: number, message: { bodyHash: string; size: number; flags: readonly string[]; internalDate: EpochMs }): Promise<StoredMessage>;
  /**
   * Takes the next UID and MODSEQ of the mailbox `name` of the account with that address, found
   * by the same statement; undefined when there is no such account or mailbox. insertAt() then
   * writes the message row (after its body, which the row references).
   */
  takeUidInFolderOf(address: Address, name: string): Promise<UidSlot | undefined>;
  insertAt(slot: UidSlot, message: { bodyHash: string; size: number; flags: readonly string[]; internalDate: EpochMs }): Promise<StoredMessage>;
  /** In UID order. */
  list(mailboxId: number): Promise<StoredMessage[]>;
  /**
   * The newest distinct bodies in the mailboxes of a domain's accounts (Sent and Drafts left
   * out), newest first, each with its latest date and one account that has it: what an admin
   * rule's dry run tests against.
   */
  recentInDomain(domainId: number, limit: number): Promise<Array<{ bodyHash: string; internalDate: EpochMs; recipient: string }>>;
}

export interface QuotaRepository {
  /** Bytes of all the user's messages. */
  usage(userId: number): Promise<number>;
  /** Adds (or, negative, removes) bytes from the user's usage. */
  add(userId: number, bytes: number): Promise<void>;
}

// ---- Mailbox operations shared by IMAP, POP3 and the web API (core/mailstore/operations.ts).

/** Inclusive UID ranges ([[1, 4], [9, 9]] is 1:4,9); the protocol resolves "*" before this. */
export type UidSet = ReadonlyArray<readonly [from: number, to: number]>;

export interface MailboxStatus {
  readonly messages: number;
  readonly unseen: number;
  readonly recent: number;
  readonly uidNext: number;
  readonly uidValidity: number;
  readonly highestModseq: number;
  /** Bytes of all messages (RFC 8438 STATUS SIZE). */
  readonly size: number;
}

/** The counters after taking a new MODSEQ (and, for copies, a block of UIDs). */
export interface MailboxCounters {
  readonly uidValidity: number;
  /** The first UID of the block taken (UIDNEXT before the call). */
  readonly firstUid: number;
  readonly modseq: number;
}

/** Mailbox create, rename, delete and per-mailbox counters. */
export interface MailboxTreeRepository {
  findById(id: number): Promise<Mailbox | undefined>;
  /** undefined when the user already has a mailbox of that name. Not subscribed (subscribe()). */
  insert(userId: number, box: { name: string; specialUse: SpecialUse | null; uidValidity: number; now: EpochMs }): Promise<Mailbox | undefined>;
  /** A UIDVALIDITY at least `atLeast` and greater than any the user's mailboxes ever had. */
  nextUidValidity(userId: number, atLeast: number): Promise<number>;
  /**
   * Renames `from` and every `from/…` to `to` and `to/…`, their subscriptions with them (as
   * Dovecot does); returns how many mailboxes.
   */
  renameTree(userId: number, from: string, to: string): Promise<number>;
  /** Whether any mailbox is named `name/…`. */
  hasChildren(userId: number, name: string): Promise<boolean>;
  remove(id: number): Promise<void>;
  /** Makes the mailbox a \Noselect name (its special use goes too), or selectable again (CREATE). */
  setNoselect(id: number, noselect: boolean): Promise<void>;
  /** The user's subscribed names, whether or not a mailbox has the name (RFC 3501 §6.3.6). */
  subscriptions(userId: number): Promise<string[]>;
  /** Adds or removes one subscription; false when there was nothing to change. */
  setSubscribed(userId: number, name: string, subscribed: boolean): Promise<boolean>;
  /**
   * The mailbox, after a no-op UPDATE of its row: on PostgreSQL that row lock makes two
   * sessions changing one mailbox take turns (SQLite's write transaction already does).
   */
  lock(id: number): Promise<Mailbox | undefined>;
  /**
   * Takes one new MODSEQ and `uids` new UIDs (a block of UIDs for COPY).
   */
  advance(id: number, uids: number): Promise<MailboxCounters>;
  /** Sets UIDNEXT/HIGHESTMODSEQ to at least these values (messages moved in with their UIDs). */
  raise(id: number, uidNext: number, highestModseq: number): Promise<void>;
  /** \Recent for this session: UIDs in [from, to); later sessions see them as not recent. */
  claimRecent(id: number): Promise<{ from: number; to: number }>;
  status(id: number): Promise<MailboxStatus | undefined>;
}

/** A message row to insert with UID and MODSEQ already chosen (COPY, MOVE): a row without its ids. */
export type MessageCopy = Omit<StoredMessage, "id" | "mailboxId">;

/** Flag and expunge bookkeeping on message rows. */
export interface MessageStateRepository {
  /** In UID order; all messages when `uids` is omitted. */
  select(mailboxId: number, uids?: UidSet): Promise<StoredMessage[]>;
  /** Messages whose MODSEQ is above `modseq`, in UID order (CONDSTORE CHANGEDSINCE). */
  changedSince(mailboxId: number, modseq: number): Promise<StoredMessage[]>;
  /** UIDs expunged with a MODSEQ above `modseq`, ascending (QRESYNC VANISHED). */
  vanishedSince(mailboxId: number, modseq: number): Promise<number[]>;
  setFlags(mailboxId: number, changes: ReadonlyArray<{ uid: number; flags: readonly string[] }>, modseq: number): Promise<void>;
  insertCopies(mailboxId: number, copies: readonly MessageCopy[]): Promise<StoredMessage[]>;
  /** Moves every row of one mailbox to another, keeping UIDs (RENAME INBOX). */
  moveAll(fromMailboxId: number, toMailboxId: number, modseq: number): Promise<void>;
  /** Deletes the rows and records a tombstone per UID with `modseq`. */
  expunge(mailboxId: number, uids: readonly number[], modseq: number): Promise<void>;
  /**
   * Deletes the message_bodies rows among `hashes` that no message and no outbound message
   * references any more; returns those whose bytes are in the blob store (inline was null).
   */
  releaseBodies(hashes: readonly string[]): Promise<string[]>;
}
