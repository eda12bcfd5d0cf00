// BODY[section] (RFC 3501 §6.4.5): the bytes of a section, cut from the raw message with the
// offsets stored at delivery. Part numbers index the parts of a multipart; a part that is not
// multipart has just part 1, itself; after a message/rfc822 part the numbers continue inside
// the encapsulated message. HEADER, TEXT and HEADER.FIELDS[.NOT] apply to the whole message
// or, after a part number, to a message/rfc822 part; MIME is the header of a numbered part.
import { makeField, scanHeader } from "../../../mail/mime/header-block.js";
import type { MimePart } from "../../../mail/mime/types.js";

export type SectionSpec =
  | { readonly path: readonly number[]; readonly kind: "full" | "header" | "text" | "mime" }
  | { readonly path: readonly number[]; readonly kind: "fields" | "fields-not"; readonly fields: readonly string[] };

const EMPTY = Buffer.alloc(0);

function isMessage(part: MimePart): boolean {
  return part.message !== undefined;
}

/**
 * The part a path names, or null when there is none; the empty path is the message itself.
 * A part that is not multipart is its own part 1 (RFC 3501 §6.4.5 says so of messages; Dovecot
 * answers the same for any leaf, so BODY[2.1] of a leaf part 2 is part 2).
 */
export function resolvePart(structure: MimePart, path: readonly number[]): MimePart | null {
  let current = structure;
  for (const n of path) {
    // After a message/rfc822 part the numbers address the encapsulated message's body.
    const container = current !== structure && current.message !== undefined ? current.message.structure : current;
    const next = container.parts !== undefined ? container.parts[n - 1] : n === 1 ? container : undefined;
    if (next === undefined) return null;
    current = next;
  }
  return current;
}

/** The message whose header/text a section refers to: the top one, or a message/rfc822 part's. */
function messageOf(structure: MimePart, part: MimePart, path: readonly number[]): MimePart | null {
  if (path.length === 0) return structure;
  return isMessage(part) ? part.message!.structure : null;
}

function slice(raw: Buffer, start: number, length: number): Buffer {
  return raw.subarray(start, start + length);
}

/**
 * HEADER.FIELDS (RFC 3501 §6.4.5): the matching fields in message order, then the blank line
 * that ends the header. The same section says a message with no body and no blank line has
 * none, so one is only added when the header had one.
 */
function headerFields(raw: Buffer, message: MimePart, names: readonly string[], not: boolean): Buffer {
  return fieldsIn(raw, message.headerStart, message.headerStart + message.headerLength, names, not);
}

/** HEADER.FIELDS of a message's header on its own (the header bytes SEARCH reads). */
export function headerFieldsOf(header: Buffer, names: readonly string[]): Buffer {
  return fieldsIn(header, 0, header.length, names, false);
}

/** A section of the message's own header (isTopHeaderSection) from its header bytes alone: the same bytes sectionBytes gives from the whole message. */
export function topHeaderSection(header: Buffer, section: SectionSpec): Buffer {
  if (section.path.length === 0) {
    if (section.kind === "header") return header;
    if (section.kind === "fields" || section.kind === "fields-not") return fieldsIn(header, 0, header.length, section.fields, section.kind === "fields-not");
  }
  throw new Error(`not a section of the message's header: ${section.kind} of ${section.path.join(".")}`);
}

/** HEADER, HEADER.FIELDS or HEADER.FIELDS.NOT of the message itself (no part number). */
export function isTopHeaderSection(section: SectionSpec): boolean {
  return section.path.length === 0 && (section.kind === "header" || section.kind === "fields" || section.kind === "fields-not");
}

function fieldsIn(raw: Buffer, headerStart: number, headerEnd: number, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const chunks: Buffer[] = [];
  let lastEnd = headerStart;
  const extent = scanHeader(raw, headerStart, headerEnd, (start, end, colon) => {
    lastEnd = end;
    if (wanted.has(makeField(raw, start, end, colon).name.toLowerCase()) === not) return;
    chunks.push(raw.subarray(start, end));
    if (raw[end - 1] !== 0x0a) chunks.push(Buffer.from("\r\n"));
  });
  if (extent.blankLine) chunks.push(raw.subarray(lastEnd, extent.end));
  return Buffer.concat(chunks);
}

/**
 * The bytes of BODY[section]. A section that does not exist (a part number past the last
 * part, HEADER of a part that is not message/rfc822) yields no bytes, as Dovecot answers.
 */
export function sectionBytes(raw: Buffer, structure: MimePart, section: SectionSpec): Buffer {
  const part = resolvePart(structure, section.path);
  if (part === null) return EMPTY;
  if (section.kind === "full") return section.path.length === 0 ? raw : slice(raw, part.bodyStart, part.bodyLength);
  if (section.kind === "mime") return section.path.length === 0 ? EMPTY : slice(raw, part.headerStart, part.headerLength);
  const message = messageOf(structure, part, section.path);
  if (message === null) return EMPTY;
  if (section.kind === "fields" || section.kind === "fields-not") {
    return headerFields(raw, message, section.fields, section.kind === "fields-not");
  }
  if (section.kind === "header") return slice(raw, message.headerStart, message.headerLength);
  return slice(raw, message.bodyStart, message.bodyLength);
}

/** The header field names of a HEADER.FIELDS list: atoms or quoted strings. */
function fieldNames(list: string): string[] | null {
  const names = [...list.matchAll(/"((?:[^"\\]|\\.)*)"|([^\s"()]+)/g)].map((m) => m[1]?.replace(/\\(.)/g, "$1") ?? m[2]!);
  return names.length > 0 ? names : null;
}

/** Leading part numbers ("1.2.") and what follows them; null for a malformed path. */
function splitPath(text: string): { path: number[]; rest: string } | null {
  const path: number[] = [];
  let rest = text;
  for (let m = /^([1-9]\d{0,8})(\.|$)/.exec(rest); m !== null; m = /^([1-9]\d{0,8})(\.|$)/.exec(rest)) {
    path.push(Number(m[1]));
    rest = rest.slice(m[0].length);
    if (m[2] === "") return { path, rest };
    if (rest === "") return null; // "1." ends with a dot
  }
  return { path, rest };
}

/** The section text between the brackets of BODY[...]; null when it is not a valid section. */
export function parseSectionSpec(text: string): SectionSpec | null {
  const split = splitPath(text);
  if (split === null) return null;
  const { path, rest } = split;
  const upper = rest.toUpperCase();
  if (upper === "") return { path, kind: "full" };
  if (upper === "HEADER") return { path, kind: "header" };
  if (upper === "TEXT") return { path, kind: "text" };
  if (upper === "MIME") return path.length > 0 ? { path, kind: "mime" } : null;
  const fields = /^HEADER\.FIELDS(\.NOT)? \((.*)\)$/is.exec(rest);
  const names = fields === null ? null : fieldNames(fields[2]!);
  if (fields === null || names === null) return null;
  return { path, kind: fields[1] === undefined ? "fields" : "fields-not", fields: names };
}
