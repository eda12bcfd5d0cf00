// SEARCH over many messages with a query per batch, not per message. Each message is first
// evaluated with nothing loaded: keys answered from the row (flags, sizes, UIDs, INTERNALDATE,
// MODSEQ) decide most of them. Where a key needs stored data (the summary, the header bytes, the
// decoded text, the raw message) the evaluation stops, and what the undecided messages of the
// batch asked for is read for them together, one query per kind; then they are evaluated again.
// Only the messages that reach a key read its data, as before (search-plan.test.ts counts).
// Evaluation is synchronous (search-eval.ts): no Promise per message or key.
import type { StoredMessage } from "../../core/ports/mailstore.js";
import type { MessageSummary } from "../../mail/mime/index-message.js";
import { MoatError } from "../../shared/errors.js";
import type { ImapBackend } from "./backend.js";
import type { SearchKey } from "./codec/search.js";
import { matches, type SearchSource } from "./search-eval.js";
import type { MailboxView } from "./view.js";

type Need = "index" | "header" | "text" | "raw";

/** Thrown (not an Error: no stack to capture, thousands per search) when data is not loaded yet. */
class Missing {
  constructor(readonly need: Need) {}
}

const batchCount = 200;
/** Texts and raw bodies of one query: at most about this many bytes (message sizes). */
const batchBytes = 4 * 1024 * 1024;

/** An entry's data as the keys read it: what is loaded, or a Missing naming what to load. */
class Loaded implements SearchSource {
  constructor(private readonly e: Entry) {}

  private take<T>(value: T | undefined, need: Need): T {
    if (value !== undefined) return value;
    if (this.e.gone) throw new MoatError("internal", "message index missing");
    throw new Missing(need);
  }

  index(): MessageSummary {
    return this.take(this.e.index, "index");
  }

  text(): string {
    return this.take(this.e.text, "text");
  }

  raw(): Buffer {
    return this.take(this.e.raw, "raw");
  }

  header(): Buffer {
    return this.take(this.e.header, "header");
  }
}

/** A message of the batch and its data loaded so far. */
class Entry {
  index?: MessageSummary | undefined;
  header?: Buffer | undefined;
  text?: string | undefined;
  raw?: Buffer | undefined;
  /** The body row is gone (expunged meanwhile): reading it fails as a single read would. */
  gone = false;
  readonly source: SearchSource = new Loaded(this);

  constructor(
    readonly message: StoredMessage,
    readonly seq: number,
  ) {}
}

/** Groups whose summed message sizes stay near `bytes` (one message may exceed it alone). */
function bySize(entries: readonly Entry[], bytes: number): Entry[][] {
  const out: Entry[][] = [];
  let group: Entry[] = [];
  let sum = 0;
  for (const e of entries) {
    if (group.length > 0 && sum + e.message.size > bytes) {
      out.push(group);
      group = [];
      sum = 0;
    }
    group.push(e);
    sum += e.message.size;
  }
  if (group.length > 0) out.push(group);
  return out;
}

async function loadIndex(backend: ImapBackend, entries: readonly Entry[]): Promise<void> {
  const todo = entries.filter((e) => e.index === undefined);
  if (todo.length === 0) return;
  const found = await backend.bodies.getSummaries(todo.map((e) => e.message.bodyHash));
  for (const e of todo) {
    e.index = found.get(e.message.bodyHash);
    if (e.index === undefined) e.gone = true;
  }
}

/** Reads a kind of data for groups of entries of about batchBytes; `set` gets undefined for a body gone meanwhile. */
async function loadGrouped<T>(entries: readonly Entry[], read: (group: readonly Entry[]) => Promise<Map<string, T>>, set: (e: Entry, value: T | undefined) => void): Promise<void> {
  for (const group of bySize(entries, batchBytes)) {
    const found = await read(group);
    for (const e of group) {
      const value = found.get(e.message.bodyHash);
      if (value === undefined) e.gone = true;
      set(e, value);
    }
  }
}

function loadRaw(backend: ImapBackend, entries: readonly Entry[]): Promise<void> {
  return loadGrouped(entries, (group) => backend.mailboxes.readMany(group.map((e) => e.message)), (e, raw) => (e.raw = raw));
}

/**
 * The message's own header: as kept at delivery, or (bodies stored before migration 0016) cut
 * from a prefix of the stored bytes as long as the longest header of the batch.
 */
async function loadHeader(backend: ImapBackend, entries: readonly Entry[]): Promise<void> {
  const kept = await backend.bodies.getHeaders(entries.map((e) => e.message.bodyHash));
  const without: Entry[] = [];
  for (const e of entries) {
    const header = kept.get(e.message.bodyHash);
    if (header === undefined) e.gone = true;
    else if (header === null) without.push(e);
    else e.header = header;
  }
  if (without.length === 0) return;
  await loadIndex(backend, without);
  const todo = without.filter((e) => e.index !== undefined);
  if (todo.length === 0) return;
  const end = (e: Entry) => e.index!.structure.headerStart + e.index!.structure.headerLength;
  const found = await backend.bodies.getPrefixes(todo.map((e) => e.message.bodyHash), Math.max(...todo.map(end)));
  const inBlobs: Entry[] = [];
  for (const e of todo) {
    const prefix = found.get(e.message.bodyHash);
    if (prefix === undefined) e.gone = true;
    else if (prefix === null) inBlobs.push(e);
    else e.header = prefix.subarray(e.index!.structure.headerStart, end(e));
  }
  await loadRaw(backend, inBlobs);
  for (const e of inBlobs) if (e.raw !== undefined) e.header = e.raw.subarray(e.index!.structure.headerStart, end(e));
}

function loadText(backend: ImapBackend, entries: readonly Entry[]): Promise<void> {
  return loadGrouped(entries, (group) => backend.bodies.getBodyTexts(group.map((e) => e.message.bodyHash)), (e, text) => (e.text = text));
}

const loaders: Record<Need, (backend: ImapBackend, entries: readonly Entry[]) => Promise<void>> = {
  index: loadIndex,
  header: loadHeader,
  text: loadText,
  raw: loadRaw,
};

/** The messages among `rows` (in the view, ascending UIDs) that match `key`, in the same order. */
export async function searchBatch(backend: ImapBackend, key: SearchKey, view: MailboxView, rows: readonly StoredMessage[]): Promise<StoredMessage[]> {
  const found: StoredMessage[] = [];
  for (let i = 0; i < rows.length; i += batchCount) {
    let pending: Entry[] = [];
    for (const message of rows.slice(i, i + batchCount)) {
      const seq = view.seqOf(message.uid);
      if (seq > 0) pending.push(new Entry(message, seq));
    }
    const matched = new Set<StoredMessage>();
    while (pending.length > 0) {
      const needs = new Map<Need, Entry[]>();
      for (const e of pending) {
        try {
          if (matches(key, e, view)) matched.add(e.message);
        } catch (err) {
          if (!(err instanceof Missing)) throw err;
          const list = needs.get(err.need) ?? [];
          list.push(e);
          needs.set(err.need, list);
        }
      }
      for (const [need, entries] of needs) await loaders[need](backend, entries);
      pending = [...needs.values()].flat();
    }
    for (const message of rows.slice(i, i + batchCount)) if (matched.has(message)) found.push(message);
  }
  return found;
}
