// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8) with CHANGEDSINCE and VANISHED (RFC 7162).
// Reading a body section without PEEK sets \Seen first and returns the new FLAGS (§6.4.5).
import type { StoredMessage } from "../../../core/ports/mailstore.js";
import { parseFetch, type FetchAttr, type SimpleFetchName } from "../codec/fetch.js";
import { addFetch, formatVanished, WireParts } from "../codec/response.js";
import { ok, selectedOnly, type ImapCommandHandler, type SessionContext } from "../context.js";
import type { MessageSummary } from "../../../mail/mime/index-message.js";
import { topHeaderSection } from "../codec/section.js";
import { fetchItems, itemsOf, messageSource, readsRaw, readsStructure, readsTopHeaderOnly, sectionsOfRaw, setsSeen, summaryFetchLine, summaryItems, type SectionReader } from "../fetch-items.js";
import { formattedSummaries } from "../formatted-summaries.js";
import { toUidSet, type MailboxView } from "../view.js";

/** Sets \Seen on the unseen messages among `rows`; returns the rows with their new flags. */
async function markSeen(ctx: SessionContext, rows: readonly StoredMessage[]): Promise<readonly StoredMessage[]> {
  const view = ctx.selected!;
  const unseen = rows.filter((m) => !m.flags.some((f) => f.toLowerCase() === "\\seen")).map((m) => m.uid);
  if (unseen.length === 0) return rows;
  const result = await ctx.backend.mailboxes.setFlags(ctx.user!.userId, view.name, toUidSet(unseen), { mode: "add", flags: ["\\Seen"] });
  const changed = new Map(result.changed.map((m) => [m.uid, m]));
  for (const m of result.changed) view.setFlags(m.uid, m.flags);
  return rows.map((m) => changed.get(m.uid) ?? m);
}

/**
 * The items a FETCH that set \Seen must also return: the new FLAGS (RFC 3501 §6.4.5), with
 * CONDSTORE the MODSEQ (RFC 7162 §3.1.4) and with QRESYNC the UID (§3.2.4).
 */
function withFlagChange(ctx: SessionContext, attrs: readonly FetchAttr[]): readonly FetchAttr[] {
  const wanted: SimpleFetchName[] = ["FLAGS"];
  if (ctx.enabled.has("CONDSTORE")) wanted.push("MODSEQ");
  if (ctx.enabled.has("QRESYNC")) wanted.push("UID");
  const missing = wanted.filter((name) => !attrs.some((a) => a.kind === "simple" && a.name === name));
  return [...attrs, ...missing.map((name): FetchAttr => ({ kind: "simple", name }))];
}

/**
 * Messages another session expunged that this session has not been told of yet keep their
 * numbers until it is (RFC 3501 §7.4.1), and their UID and FLAGS are still known here: a FETCH
 * of only those is answered from the view, as Dovecot does and imaptest's expunge test expects.
 * Anything else of such a message is gone and left out (RFC 2180 §4.1.3).
 */
function withExpunged(view: MailboxView, uids: readonly number[], rows: readonly StoredMessage[], attrs: readonly FetchAttr[]): readonly StoredMessage[] {
  if (rows.length === uids.length || !attrs.every((a) => a.kind === "simple" && (a.name === "UID" || a.name === "FLAGS"))) return rows;
  const found = new Set(rows.map((m) => m.uid));
  const ghosts = uids
    .filter((uid) => !found.has(uid))
    .map((uid): StoredMessage => ({ id: 0, mailboxId: view.mailbox.id, uid, modseq: 0, bodyHash: "", size: 0, flags: view.flags.get(uid) ?? [], internalDate: 0 }));
  return [...rows, ...ghosts].sort((a, b) => a.uid - b.uid);
}

/** Messages read together (bodies: up to batchBytes of them); responses leave at least every flushBytes. */
const batchCount = 200;
const batchBytes = 4 * 1024 * 1024;
const flushBytes = 256 * 1024;

function* batches(rows: readonly StoredMessage[], withBodies: boolean): Generator<StoredMessage[]> {
  let batch: StoredMessage[] = [];
  let bytes = 0;
  for (const m of rows) {
    if (batch.length > 0 && (batch.length >= batchCount || (withBodies && bytes + m.size > batchBytes))) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += m.size;
  }
  if (batch.length > 0) yield batch;
}

export const fetch: ImapCommandHandler = {
  names: ["FETCH"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const args = parseFetch(command.args, command.uid);
    const view = ctx.selected!;
    const userId = ctx.user!.userId;
    const uids = view.resolve(args.set, command.uid);
    if (args.changedSince !== null || args.attrs.some((a) => a.kind === "simple" && a.name === "MODSEQ")) await ctx.condstoreUsed();
    if (args.vanished && args.changedSince !== null) {
      const max = view.lastUid;
      const gone = (await ctx.backend.mailboxes.vanishedSince(userId, view.name, Number(args.changedSince))).filter((uid) => args.set.contains(uid, max));
      if (gone.length > 0) ctx.send(formatVanished(gone, true));
    }
    let attrs: readonly FetchAttr[] = args.attrs;
    if (attrs.some((a) => a.kind === "binary" || a.kind === "binary-size")) return { status: "NO", text: "BINARY is not supported", code: { code: "CANNOT" } };
    let rows = uids.length === 0 ? [] : await ctx.backend.mailboxes.messages(userId, view.name, toUidSet(uids));
    if (args.changedSince !== null) rows = rows.filter((m) => BigInt(m.modseq) > args.changedSince!);
    else rows = withExpunged(view, uids, rows, attrs);
    if (setsSeen(attrs) && !view.readOnly) {
      const before = rows;
      rows = await markSeen(ctx, rows);
      if (rows.some((m, i) => m !== before[i])) attrs = withFlagChange(ctx, attrs);
    }
    // A batch at a time: its summaries and bodies in one query each, its responses in few
    // writes (a query and a syscall per message were most of the cost of a FETCH of a range).
    if (!readsRaw(attrs)) await fetchSummaries(ctx, view, rows, attrs);
    else await fetchBodies(ctx, view, rows, attrs);
    return ok(`${command.uid ? "UID " : ""}FETCH completed`);
  },
};

/**
 * Items that read no body bytes: ENVELOPE/BODYSTRUCTURE/BODY kept formatted per body
 * (formatted-summaries.ts), so a batch reads the summaries of only the bodies not kept yet, and
 * each response is one string built without a Promise.
 */
async function fetchSummaries(ctx: SessionContext, view: MailboxView, rows: readonly StoredMessage[], attrs: readonly FetchAttr[]): Promise<void> {
  const items = summaryItems(attrs);
  for (const batch of batches(rows, false)) {
    const kept = items.length === 0 ? [] : batch.map((m) => formattedSummaries.kept(m.bodyHash));
    const unkept = items.length === 0 ? [] : batch.filter((_, i) => items.some((item) => kept[i]?.[item] === undefined));
    const summaries = unkept.length > 0 ? await ctx.backend.bodies.getSummaries(unkept.map((m) => m.bodyHash)) : undefined;
    let out = "";
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      const seq = view.seqOf(m.uid);
      if (seq === 0) continue;
      out += summaryFetchLine(seq, attrs, view, m, kept[i], (hash) => summaries?.get(hash));
      if (out.length >= flushBytes) {
        ctx.send(out);
        out = "";
      }
    }
    if (out !== "") ctx.send(out);
  }
}

/**
 * Items with body sections: each batch's bodies read in one query, and its summaries in one
 * when an item needs them (not for the whole message). Sections of the message's own header
 * alone (a client's list view) are read from the header kept apart at delivery: neither the
 * bodies nor their summaries (parsing 50 summaries and copying 50 whole messages out of the
 * store for 50 headers was an eighth of a mixed IMAP session's CPU). The responses are built
 * without a Promise per message and leave in one buffer per flushBytes or batch, each body
 * copied once, into that buffer. A message whose bytes or summary the batch did not find
 * (expunged meanwhile, or a header too long to be kept apart) takes the per-message path, which
 * reads the whole message or fails as a single read does.
 */
async function fetchBodies(ctx: SessionContext, view: MailboxView, rows: readonly StoredMessage[], attrs: readonly FetchAttr[]): Promise<void> {
  const headerOnly = readsTopHeaderOnly(attrs);
  const needsSummary = summaryItems(attrs).length > 0 || (!headerOnly && readsStructure(attrs));
  const out = new WireParts();
  for (const batch of batches(rows, !headerOnly)) {
    const summaries = needsSummary ? await ctx.backend.bodies.getSummaries(batch.map((m) => m.bodyHash)) : undefined;
    const sections = headerOnly ? await headerSections(ctx, batch) : await rawSections(ctx, batch, summaries);
    for (const m of batch) {
      const seq = view.seqOf(m.uid);
      if (seq === 0) continue;
      const sectionOf = sections.get(m.bodyHash);
      const summary = summaries?.get(m.bodyHash);
      if (sectionOf !== undefined && (summary !== undefined || !needsSummary)) addFetch(out, seq, itemsOf(attrs, view, m, sectionOf, () => summary!));
      else addFetch(out, seq, await fetchItems(attrs, view, m, messageSource(ctx.backend, m, { summary })));
      if (out.length >= flushBytes) ctx.send(out.take());
    }
    if (out.length > 0) ctx.send(out.take());
  }
}

/** The batch's whole messages, one query. */
async function rawSections(ctx: SessionContext, batch: readonly StoredMessage[], summaries: Map<string, MessageSummary> | undefined): Promise<Map<string, SectionReader>> {
  const sections = new Map<string, SectionReader>();
  for (const [hash, raw] of await ctx.backend.mailboxes.readMany(batch)) sections.set(hash, sectionsOfRaw(raw, () => summaries!.get(hash)!));
  return sections;
}

/**
 * The batch's headers as kept at delivery: those this process holds (formattedSummaries), the
 * rest in one query. A header too long to keep is left out.
 */
async function headerSections(ctx: SessionContext, batch: readonly StoredMessage[]): Promise<Map<string, SectionReader>> {
  const sections = new Map<string, SectionReader>();
  const add = (hash: string, header: Buffer) => sections.set(hash, (spec) => topHeaderSection(header, spec));
  const unkept: string[] = [];
  for (const m of batch) {
    const header = formattedSummaries.kept(m.bodyHash)?.header;
    if (header !== undefined) add(m.bodyHash, header);
    else unkept.push(m.bodyHash);
  }
  if (unkept.length === 0) return sections;
  for (const [hash, header] of await ctx.backend.bodies.getHeaders(unkept)) {
    if (header === null) continue;
    formattedSummaries.keepHeader(hash, header);
    add(hash, header);
  }
  return sections;
}
