// ENVELOPE, BODYSTRUCTURE and BODY as sent, kept per stored body. A FETCH of a range of
// summaries spent most of its CPU reading index_json, parsing it and formatting it again for
// every message, every time (bench/imap); Dovecot answers from strings its cache file keeps
// formatted. A body's key names its bytes (a hash of them, or of a base body and the fields on
// top, decision 0027), its index row is written once and never updated, and the formatting
// depends on nothing else: an answer kept here stays right for as long as the process lives,
// on every store and node. Bounded in entries and bytes; least recently used leave first.
import type { MessageSummary } from "../../mail/mime/index-message.js";
import { formatBodyStructure, formatEnvelope } from "./codec/bodystructure.js";

export type SummaryItem = "ENVELOPE" | "BODYSTRUCTURE" | "BODY";

/** The formatted items, and the message's own header as kept at delivery (FETCH of header sections). */
export type KeptItems = { readonly [K in SummaryItem]?: string } & { readonly header?: Buffer };
type Entry = { -readonly [K in SummaryItem]?: string } & { header?: Buffer; bytes: number };

/** What an entry costs beside its strings (the key, the object, the Map's slot), roughly. */
const ENTRY_OVERHEAD = 200;

function format(item: SummaryItem, summary: MessageSummary): string {
  if (item === "ENVELOPE") return formatEnvelope(summary.envelope);
  return formatBodyStructure(summary.structure, item === "BODYSTRUCTURE");
}

function copyOutOfPool(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}

export class FormattedSummaries {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** The most recently used key: a message's second item does not move its entry again. */
  private last: string | null = null;

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The items of `hash` kept so far, as a use. The object stays valid when the entry leaves,
   * so a caller holding it across other insertions (a batch) still has its strings.
   */
  kept(hash: string): KeptItems | undefined {
    const entry = this.entries.get(hash);
    if (entry !== undefined) this.touch(hash, entry);
    return entry;
  }

  /** `item` of `hash` as sent, formatted from `summary()` (called only when not kept) and kept. */
  item(hash: string, item: SummaryItem, summary: () => MessageSummary): string {
    let entry = this.entries.get(hash);
    if (entry !== undefined) this.touch(hash, entry);
    const kept = entry?.[item];
    if (kept !== undefined) return kept;
    const value = format(item, summary());
    if (entry === undefined) {
      entry = { bytes: hash.length + ENTRY_OVERHEAD };
      this.entries.set(hash, entry);
      this.bytes += entry.bytes;
      this.last = hash;
    }
    entry[item] = value;
    entry.bytes += value.length;
    this.bytes += value.length;
    this.evict();
    return value;
  }

  /**
   * Keeps the header of `hash` (its bytes are the body's, so never stale: see above). A client's
   * list view asks for the same messages' header fields on every visit, as Dovecot's cache file
   * keeps them; a header is at most 64 KiB (the store keeps none longer apart).
   */
  keepHeader(hash: string, header: Buffer): void {
    let entry = this.entries.get(hash);
    if (entry === undefined) {
      entry = { bytes: hash.length + ENTRY_OVERHEAD };
      this.entries.set(hash, entry);
      this.bytes += entry.bytes;
      this.last = hash;
    } else this.touch(hash, entry);
    if (entry.header !== undefined) return;
    // A small Buffer may be a view of a shared 8 KiB pool slab (a driver's Buffer.from): kept,
    // it would hold the whole slab.
    entry.header = header.byteLength === header.buffer.byteLength ? header : copyOutOfPool(header);
    entry.bytes += header.length;
    this.bytes += header.length;
    this.evict();
  }

  /** Makes `hash` the most recently used (a Map keeps insertion order). */
  private touch(hash: string, entry: Entry): void {
    if (hash === this.last) return;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    this.last = hash;
  }

  private evict(): void {
    for (const [hash, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
      this.entries.delete(hash);
      this.bytes -= entry.bytes;
      if (hash === this.last) this.last = null;
    }
  }
}

/** The process's one: answers are the same for every store (see above). */
export const formattedSummaries = new FormattedSummaries();
