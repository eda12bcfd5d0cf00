// Edits to the header of the part that gets the banner, when its content changes label: a new
// charset (converted to UTF-8) or a new transfer encoding (7bit text that now holds 8-bit
// octets becomes quoted-printable). Only those fields are touched, the others keep their bytes.
import { readHeaderBlock, type HeaderField } from "../mime/header-block.js";
import type { MimePart } from "../mime/types.js";
import type { Splice } from "./splice.js";

export interface Relabel {
  readonly charset: string | null;
  readonly encoding: string | null;
}

const CHARSET_PARAM = /;\s*charset\*?(?:\*\d+\*?)?\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;\s]*)/gi;

/** The Content-Type field with its charset parameter(s) replaced by `charset`. */
export function withCharset(field: string, charset: string, eol: string): string {
  const ending = /\r?\n$/.exec(field)?.[0] ?? "";
  const value = field.slice(0, field.length - ending.length).replace(CHARSET_PARAM, "").replace(/[;\s]+$/, "");
  const lastLine = value.split(/\r?\n/).at(-1) ?? "";
  const param = `charset=${charset}`;
  // Folded before the parameter when the line would pass 78 columns (RFC 5322 §2.1.1).
  return lastLine.length + param.length + 2 <= 78 ? `${value}; ${param}${ending}` : `${value};${eol} ${param}${ending}`;
}

function fieldText(raw: Buffer, field: HeaderField): string {
  return raw.toString("latin1", field.start, field.end);
}

/** Splices for the part's header; missing fields are added at the top of the part's header. */
export function relabelPart(raw: Buffer, part: MimePart, isRoot: boolean, change: Relabel, eol: string): Splice[] {
  const fields = readHeaderBlock(raw, part.headerStart, part.bodyStart).fields;
  const find = (name: string) => fields.find((f) => f.name.toLowerCase() === name && f.valueStart < f.end);
  const splices: Splice[] = [];
  const add = (text: string) => splices.push({ start: part.headerStart, end: part.headerStart, bytes: Buffer.from(text, "latin1") });
  const replace = (field: HeaderField, text: string) => splices.push({ start: field.start, end: field.end, bytes: Buffer.from(text, "latin1") });
  // Without MIME-Version a client may ignore a Content-Type added to the top of the message.
  if (isRoot && (change.charset !== null || change.encoding !== null) && find("mime-version") === undefined) add(`MIME-Version: 1.0${eol}`);
  if (change.charset !== null) {
    const field = find("content-type");
    if (field === undefined) add(`Content-Type: ${part.type}/${part.subtype}; charset=${change.charset}${eol}`);
    else replace(field, withCharset(fieldText(raw, field), change.charset, eol));
  }
  if (change.encoding !== null) {
    const field = find("content-transfer-encoding");
    const text = `Content-Transfer-Encoding: ${change.encoding}`;
    if (field === undefined) add(`${text}${eol}`);
    else replace(field, `${text}${/\r?\n$/.exec(fieldText(raw, field))?.[0] ?? ""}`);
  }
  return splices;
}
