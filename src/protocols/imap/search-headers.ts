// Header fields as SEARCH matches them (HEADER, SUBJECT, FROM, TO, CC, BCC: RFC 3501 §6.4.4),
// kept per stored body. A header key over a mailbox read every message's kept header from the
// store and decoded the field (RFC 2047, libmime) on every search: ~145 ms of CPU for 10,000
// messages against Dovecot's ~20 ms from its cache file (bench/imap). A body's key names its
// bytes (decision 0027), so the decoded field of a body never changes: a value kept here stays
// right for as long as the process lives, on every store and node, with no invalidation (a body
// expunged and delivered again has the same key and the same bytes). Only the fields searched
// for are kept, lower-cased as matched. Bounded in bodies and bytes; bodies not used lately
// leave first (a second-chance sweep, close to least recently used; decision 0028).

/** A field of one body as a search key sees it. */
export interface SearchedField {
  /** The unfolded, decoded values of every occurrence, without the names, lower-cased. */
  readonly lower: string;
  /** What a key with an empty string matches: the field is present (RFC 3501: "HEADER x """). */
  readonly present: boolean;
}

/** `used`: asked for since the eviction sweep last passed it (a second chance, as CLOCK gives). */
type Entry = { fields: Map<string, SearchedField>; bytes: number; used: boolean };

/** What an entry and a field cost beside their strings (the key, the objects, the Map slots), roughly. */
const ENTRY_OVERHEAD = 200;
const FIELD_OVERHEAD = 80;

export class SearchedHeaders {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The kept field `name` (lower-case) of body `hash`, as a use; undefined when not kept. A use
   * only marks the entry: moving it to the end of the Map on every use (exact LRU) was a quarter
   * of a search's CPU once every field was kept.
   */
  get(hash: string, name: string): SearchedField | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.fields.get(name);
  }

  /** Keeps field `name` (lower-case) of body `hash`. */
  set(hash: string, name: string, field: SearchedField): void {
    let entry = this.entries.get(hash);
    if (entry === undefined) {
      entry = { fields: new Map(), bytes: hash.length + ENTRY_OVERHEAD, used: false };
      this.entries.set(hash, entry);
      this.bytes += entry.bytes;
    }
    const before = entry.fields.get(name);
    const cost = (f: SearchedField | undefined) => (f === undefined ? 0 : name.length + 2 * f.lower.length + FIELD_OVERHEAD);
    const change = cost(field) - cost(before);
    entry.fields.set(name, field);
    entry.bytes += change;
    this.bytes += change;
    this.evict();
  }

  /**
   * Oldest first (a Map iterates in insertion order): an entry used since the sweep last passed
   * it goes to the end instead, unmarked; the first unused one leaves. Each entry is passed at
   * most twice per sweep (an entry moved to the end is met again, unmarked).
   */
  private evict(): void {
    for (const [hash, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
      this.entries.delete(hash);
      if (entry.used) {
        entry.used = false;
        this.entries.set(hash, entry);
      } else this.bytes -= entry.bytes;
    }
  }
}

/** The process's one: fields are the same for every store (see above). */
export const searchedHeaders = new SearchedHeaders();
