// The data items of a FETCH response (RFC 3501 §7.4.2) for one stored message, from its row,
// the index stored at delivery (ENVELOPE, BODYSTRUCTURE, section offsets) and, only when a
// body section is asked for, its raw bytes.
import type { StoredMessage } from "../../core/ports/mailstore.js";
import type { MessageSummary } from "../../mail/mime/index-message.js";
import { MoatError } from "../../shared/errors.js";
import type { ImapBackend } from "./backend.js";
import { formatImapDateTime } from "./codec/dates.js";
import type { FetchAttr } from "./codec/fetch.js";
import { formatFlags, type FetchValue } from "./codec/response.js";
import { isTopHeaderSection, sectionBytes, type SectionSpec } from "./codec/section.js";
import { formattedSummaries, type KeptItems, type SummaryItem } from "./formatted-summaries.js";
import type { MailboxView } from "./view.js";

/** The FLAGS list of a message, with the session flag \Recent where it applies. */
export function flagsItem(view: MailboxView, uid: number, flags: readonly string[]): string {
  return formatFlags(view.isRecent(uid) ? [...flags, "\\Recent"] : flags);
}

/** Whether answering these attributes reads the body (and so may set \Seen, §6.4.5). */
export function setsSeen(attrs: readonly FetchAttr[]): boolean {
  return attrs.some((a) => (a.kind === "body" && !a.peek) || (a.kind === "simple" && (a.name === "RFC822" || a.name === "RFC822.TEXT")));
}

export interface MessageSource {
  /** ENVELOPE, BODYSTRUCTURE, section offsets, Date and Subject: small, read per message. */
  index(): Promise<MessageSummary>;
  /** The decoded text, for SEARCH BODY/TEXT only (up to 1 MiB). */
  text(): Promise<string>;
  raw(): Promise<Buffer>;
  /** The message's own header, through the blank line (SEARCH HEADER, TEXT). */
  header(): Promise<Buffer>;
}

/**
 * Summary, text and raw bytes of a message, each loaded at most once and only when asked for;
 * `summary` when the caller loaded it already, with its neighbours' (FETCH of a range).
 */
export function messageSource(backend: ImapBackend, m: StoredMessage, loaded: { summary?: MessageSummary | undefined; raw?: Buffer | undefined } = {}): MessageSource {
  let index: Promise<MessageSummary> | undefined = loaded.summary && Promise.resolve(loaded.summary);
  let text: Promise<string> | undefined;
  let raw: Promise<Buffer> | undefined = loaded.raw && Promise.resolve(loaded.raw);
  const source: MessageSource = {
    index: () => (index ??= backend.bodies.getSummary(m.bodyHash).then((found) => found ?? missing())),
    text: () => (text ??= backend.bodies.getBodyText(m.bodyHash).then((found) => found ?? missing())),
    raw: () => (raw ??= backend.mailboxes.read(m)),
    header: () => section(source, headerSpec),
  };
  return source;
}

function missing(): never {
  throw new MoatError("internal", "message index missing");
}

const full: SectionSpec = { path: [], kind: "full" };
const headerSpec: SectionSpec = { path: [], kind: "header" };
const text: SectionSpec = { path: [], kind: "text" };

async function section(source: MessageSource, spec: SectionSpec): Promise<Buffer> {
  const index = await source.index();
  return sectionBytes(await source.raw(), index.structure, spec);
}

/** An item answered from the message's row alone; undefined for any other. */
function rowItem(name: string, view: MailboxView, m: StoredMessage): string | undefined {
  switch (name) {
    case "FLAGS":
      return flagsItem(view, m.uid, m.flags);
    case "UID":
      return String(m.uid);
    case "MODSEQ":
      return `(${m.modseq})`;
    case "INTERNALDATE":
      return `"${formatImapDateTime(new Date(m.internalDate))}"`;
    case "RFC822.SIZE":
      return String(m.size);
    default:
      return undefined;
  }
}

/** The bytes of a body section of one message, from what the caller read of it. */
export type SectionReader = (spec: SectionSpec) => Buffer;

/**
 * The label and value of each requested item, in the order asked, from the message's sections
 * and (only for an item not kept formatted) its summary: no Promise per message or item, for a
 * FETCH of a range of bodies.
 */
export function itemsOf(attrs: readonly FetchAttr[], view: MailboxView, m: StoredMessage, sectionOf: SectionReader, summary: () => MessageSummary): [string, FetchValue][] {
  const items: [string, FetchValue][] = [];
  for (const attr of attrs) {
    if (attr.kind === "simple") {
      const name = attr.name;
      const value =
        rowItem(name, view, m) ??
        (name === "ENVELOPE" || name === "BODYSTRUCTURE" || name === "BODY"
          ? formattedSummaries.item(m.bodyHash, name, summary)
          : sectionOf(name === "RFC822" ? full : name === "RFC822.HEADER" ? headerSpec : text));
      items.push([name, value]);
    } else if (attr.kind === "body") {
      let bytes = sectionOf(attr.section);
      if (attr.partial !== null) bytes = bytes.subarray(Math.min(attr.partial.start, bytes.length), attr.partial.start + attr.partial.length);
      items.push([attr.label, bytes]);
    }
  }
  return items;
}

/** Sections from the whole message's bytes; the whole message needs no structure. */
export function sectionsOfRaw(raw: Buffer, summary: () => MessageSummary): SectionReader {
  return (spec) => (isWhole(spec) ? raw : sectionBytes(raw, summary().structure, spec));
}

/**
 * Whether every section these attributes read is of the message's own header (HEADER,
 * HEADER.FIELDS, HEADER.FIELDS.NOT, RFC822.HEADER): then the header kept apart at delivery
 * answers them, and neither the whole message nor its structure is read — the list view of
 * every client (Thunderbird, Apple Mail and Outlook fetch a range's header fields).
 */
export function readsTopHeaderOnly(attrs: readonly FetchAttr[]): boolean {
  return readsRaw(attrs) && attrs.every((a) => (a.kind === "simple" ? a.name === "RFC822.HEADER" || !readsRaw([a]) : a.kind === "body" && isTopHeaderSection(a.section)));
}

function isWhole(spec: SectionSpec): boolean {
  return spec.kind === "full" && spec.path.length === 0;
}

async function simpleItem(name: string, view: MailboxView, m: StoredMessage, source: MessageSource): Promise<FetchValue> {
  const fromRow = rowItem(name, view, m);
  if (fromRow !== undefined) return fromRow;
  switch (name) {
    case "ENVELOPE":
    case "BODYSTRUCTURE":
    case "BODY": {
      const item: SummaryItem = name;
      const kept = formattedSummaries.kept(m.bodyHash)?.[item];
      if (kept !== undefined) return kept;
      const summary = await source.index();
      return formattedSummaries.item(m.bodyHash, item, () => summary);
    }
    case "RFC822":
      return section(source, full);
    case "RFC822.HEADER":
      return section(source, headerSpec);
    default: // RFC822.TEXT
      return section(source, text);
  }
}

/** Whether answering these attributes reads the message's bytes (any body section, RFC822*). */
export function readsRaw(attrs: readonly FetchAttr[]): boolean {
  return attrs.some((a) => a.kind !== "simple" || (a.name.startsWith("RFC822") && a.name !== "RFC822.SIZE"));
}

/**
 * Whether answering these attributes needs every message's structure (a body section other than
 * the whole message, RFC822.HEADER, RFC822.TEXT); ENVELOPE, BODYSTRUCTURE and BODY need the
 * summary only of bodies whose formatted item is not kept (summaryItems).
 */
export function readsStructure(attrs: readonly FetchAttr[]): boolean {
  return attrs.some((a) => (a.kind === "simple" ? a.name === "RFC822.HEADER" || a.name === "RFC822.TEXT" : a.kind !== "body" || !isWhole(a.section)));
}

/** The label and value of each requested item, in the order asked. FLAGS is left to the caller when `skipFlags`. */
export async function fetchItems(attrs: readonly FetchAttr[], view: MailboxView, m: StoredMessage, source: MessageSource): Promise<[string, FetchValue][]> {
  const items: [string, FetchValue][] = [];
  for (const attr of attrs) {
    if (attr.kind === "simple") items.push([attr.name, await simpleItem(attr.name, view, m, source)]);
    else if (attr.kind === "body") {
      let bytes = await section(source, attr.section);
      if (attr.partial !== null) bytes = bytes.subarray(Math.min(attr.partial.start, bytes.length), attr.partial.start + attr.partial.length);
      items.push([attr.label, bytes]);
    }
  }
  return items;
}

/** The formatted summary items (ENVELOPE, BODYSTRUCTURE, BODY) these attributes ask for. */
export function summaryItems(attrs: readonly FetchAttr[]): SummaryItem[] {
  const items: SummaryItem[] = [];
  for (const a of attrs) if (a.kind === "simple" && (a.name === "ENVELOPE" || a.name === "BODYSTRUCTURE" || a.name === "BODY")) items.push(a.name);
  return items;
}

/**
 * "* n FETCH (label value …)\r\n" for attributes that read no body bytes (not readsRaw): from
 * the row and the formatted summary items, with no Promise per message or item (those were a
 * good part of a FETCH of a range's CPU). `kept` is what formattedSummaries held when the batch
 * began; `summary` is asked only for items not in it.
 */
export function summaryFetchLine(seq: number, attrs: readonly FetchAttr[], view: MailboxView, m: StoredMessage, kept: KeptItems | undefined, summary: (hash: string) => MessageSummary | undefined): string {
  let line = `* ${seq} FETCH (`;
  for (let i = 0; i < attrs.length; i++) {
    const attr = attrs[i]!;
    if (attr.kind !== "simple") throw new MoatError("internal", "summaryFetchLine: a body section");
    const value = rowItem(attr.name, view, m) ?? kept?.[attr.name as SummaryItem] ?? formattedSummaries.item(m.bodyHash, attr.name as SummaryItem, () => summary(m.bodyHash) ?? missing());
    line += `${i > 0 ? " " : ""}${attr.name} ${value}`;
  }
  return `${line})\r\n`;
}
