// Mailbox operations shared by every channel: SMTP delivery now; IMAP, POP3 and the web API
// later. A body is indexed once (mail/mime) and stored once per content; each mailbox that
// receives it gets a row with its own UID and MODSEQ.
import { createHash } from "node:crypto";
import { indexMessage } from "../../mail/mime/index-message.js";
import { keptHeader } from "../../mail/mime/kept-header.js";
import type { MessageIndex } from "../../mail/mime/index-message.js";
import { acceptsPrefix, onlyExtensionFields, prefixedIndex } from "../../mail/mime/prefixed-index.js";
import type { PreparedBody } from "./prepared-body.js";
import { putOver } from "./shared-body.js";
import { createIn } from "./tree.js";
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { BlobStore } from "../ports/blobs.js";
import type { Clock } from "../ports/clock.js";
import type { SpecialUse, StoredMessage } from "../ports/mailstore.js";
import type { Store } from "../ports/store.js";

/** The folders every new user gets (RFC 6154 special use), in the order clients show them. */
export const defaultMailboxes: ReadonlyArray<{ name: string; specialUse: SpecialUse | null }> = [
  { name: "INBOX", specialUse: null },
  { name: "Drafts", specialUse: "\\Drafts" },
  { name: "Sent", specialUse: "\\Sent" },
  { name: "Junk", specialUse: "\\Junk" },
  { name: "Trash", specialUse: "\\Trash" },
  { name: "Archive", specialUse: "\\Archive" },
];

/** Bodies up to this size are kept in the database row: one commit stores the whole delivery. */
export const inlineBodyLimit = 256 * 1024;

type Tx = Omit<Store, "transaction" | "close">;

export type { PreparedBody };

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * A prepared inline body whose SHA-256 is worked out when first asked for: a body that is only
 * the base of marked copies (every recipient's copy has a warning header on top) or a monitoring
 * copy stored over another body (keyed by its base) never needs its own.
 */
function hashedWhenRead(bytes: Buffer, body: Omit<PreparedBody, "hash">): PreparedBody {
  let hash: string | undefined;
  return {
    ...body,
    get hash() {
      return (hash ??= sha256(bytes));
    },
  };
}

/**
 * An inline body that is X- fields on top of a prepared message, with nothing worked out until
 * asked for: a monitoring copy stored over a recipient's body (decision 0038) needs neither its
 * whole bytes, nor its hash, index or header — only the fields and the message below them.
 */
function onTopOf(fields: Buffer, below: Buffer, of: MessageIndex): PreparedBody {
  let bytes: Buffer | undefined;
  let index: MessageIndex | undefined;
  let header: { value: Buffer | null } | undefined;
  let hash: string | undefined;
  const whole = () => (bytes ??= Buffer.concat([fields, below], fields.length + below.length));
  return {
    size: fields.length + below.length,
    onTop: { fields, below, of },
    get inline() {
      return whole();
    },
    get index() {
      return (index ??= prefixedIndex(of, fields.length));
    },
    get header() {
      return (header ??= { value: keptHeader(whole(), 0, this.index.structure.headerLength) }).value;
    },
    get hash() {
      return (hash ??= sha256(whole()));
    },
  };
}

export interface LocalTarget {
  readonly userId: number;
  readonly mailboxId: number;
}

export class MailStore {
  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
  ) {}

  /** UIDVALIDITY for new mailboxes: seconds since the epoch, as Dovecot uses. */
  private uidValidity(now: EpochMs): number {
    return Math.floor(now / 1000);
  }

  async createDefaultMailboxes(tx: Tx, userId: number): Promise<void> {
    const now = this.clock.now();
    await tx.mailboxes.create(userId, defaultMailboxes, this.uidValidity(now), now);
  }

  /** Hashes and indexes the raw message; a large body goes to the blob store (durably) now. */
  async prepare(raw: Buffer): Promise<PreparedBody> {
    const index = indexMessage(raw);
    const { headerStart, headerLength } = index.structure;
    // A copy: a slice would keep a large message's bytes alive as long as the header.
    const header = keptHeader(raw, headerStart, headerLength);
    if (raw.length <= inlineBodyLimit) return hashedWhenRead(raw, { size: raw.length, inline: raw, index, header });
    await this.blobs.put(raw);
    return { hash: sha256(raw), size: raw.length, inline: null, index, header };
  }

  /**
   * prepare() of the message with header fields on top, when `base` is that message prepared:
   * for X- fields (the pipeline's marks) the index is derived from base's instead of parsing
   * the message again; anything else is prepared afresh.
   */
  async prepareWithHeader(base: PreparedBody, raw: Buffer, fields: string): Promise<PreparedBody> {
    const top = Buffer.from(fields, "utf8");
    if (!onlyExtensionFields(fields) || !acceptsPrefix(raw, base.index)) return this.prepare(Buffer.concat([top, raw]));
    if (top.length + raw.length <= inlineBodyLimit) return onTopOf(top, raw, base.index);
    // Too large to keep inline: into the blob store now, as prepare() does.
    const prefixed = Buffer.concat([top, raw]);
    const index = prefixedIndex(base.index, top.length);
    await this.blobs.put(prefixed);
    return { hash: sha256(prefixed), size: prefixed.length, inline: null, index, header: keptHeader(prefixed, 0, index.structure.headerLength) };
  }

  /** Writes the body once and a message row into each target mailbox, inside the caller's transaction. */
  async deliver(tx: Tx, body: PreparedBody, targets: readonly LocalTarget[], flags: readonly string[] = []): Promise<StoredMessage[]> {
    if (targets.length === 0) return [];
    const now = this.clock.now();
    const inserted = await tx.messages.putBody({ hash: body.hash, size: body.size, inline: body.inline, index: body.index, header: body.header, now });
    if (inserted && body.inline !== null) this.insertedWhole.set(body, tx);
    return this.appendRows(tx, body.hash, body.size, targets, flags, now);
  }

  /**
   * deliver() of a copy that differs from one of `bases` (bodies this transaction stored) only
   * by the header fields on top, as a monitoring copy does, into the folder `folder` of the
   * account with address `owner` (the folder made when missing): its row keeps the fields and
   * points at that body (shared-body.ts); stored whole, as deliver() does, when none fits.
   * Null, with nothing written, when there is no such account (a supervisor deleted since the
   * rule was made).
   */
  async deliverOver(tx: Tx, body: PreparedBody, bases: readonly PreparedBody[], owner: Address, folder: string): Promise<{ stored: StoredMessage; userId: number } | null> {
    const now = this.clock.now();
    // The account and its folder are found by the statement that takes the UID: no read first.
    const slot = await tx.messages.takeUidInFolderOf(owner, folder);
    let made: { userId: number; mailboxId: number } | undefined;
    if (slot === undefined) {
      const user = await tx.users.findByAddress(owner);
      if (!user) return null;
      made = { userId: user.id, mailboxId: (await createIn(tx, user.id, folder, null, now)).id };
    }
    const shared = await putOver(tx, body, bases, now, (base) => this.insertedWhole.get(base) === tx);
    if (shared === null) await tx.messages.putBody({ hash: body.hash, size: body.size, inline: body.inline, index: body.index, header: body.header, now });
    const row = { bodyHash: shared ?? body.hash, size: body.size, flags: [], internalDate: now };
    const stored = slot !== undefined ? await tx.messages.insertAt(slot, row) : await tx.messages.append(made!.mailboxId, row);
    const userId = slot?.userId ?? made!.userId;
    await tx.quota.add(userId, body.size);
    return { stored, userId };
  }

  private async appendRows(tx: Tx, bodyHash: string, size: number, targets: readonly LocalTarget[], flags: readonly string[], now: EpochMs): Promise<StoredMessage[]> {
    const stored: StoredMessage[] = [];
    for (const target of targets) {
      stored.push(await tx.messages.append(target.mailboxId, { bodyHash, size, flags, internalDate: now }));
      await tx.quota.add(target.userId, size);
    }
    return stored;
  }

  /**
   * Bodies deliver() inserted whole and inline, with the transaction that did it: a copy stored
   * over one of them in that transaction (deliverOver) need not read its row to know it is a
   * base. Keyed by the prepared body, so nothing outlives the delivery that made it.
   */
  private readonly insertedWhole = new WeakMap<PreparedBody, Tx>();

  /** Keeps the body (for the outbound queue) even when no local mailbox receives it. */
  async keep(tx: Tx, body: PreparedBody): Promise<void> {
    await tx.messages.putBody({ hash: body.hash, size: body.size, inline: body.inline, index: body.index, header: body.header, now: this.clock.now() });
  }

  /** The raw bytes of a stored body. */
  async read(hash: string): Promise<Buffer | undefined> {
    const inline = await this.store.messages.getInline(hash);
    if (inline === undefined) return undefined;
    return inline ?? (await this.blobs.get(hash));
  }

  /** read() for many bodies: the inline ones in one query; absent hashes are left out. */
  async readMany(hashes: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    for (const [hash, inline] of await this.store.messages.getInlineMany(hashes)) found.set(hash, inline ?? (await this.blobs.get(hash)));
    return found;
  }

  /** The bodies of `hashes` kept in the database, in one query; blob-stored and absent ones are left out. */
  async readInlineMany(hashes: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    for (const [hash, inline] of await this.store.messages.getInlineMany(hashes)) if (inline !== null) found.set(hash, inline);
    return found;
  }
}
