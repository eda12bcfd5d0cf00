// The Content-* fields of one MIME entity (RFC 2045 §5-8, RFC 2183, RFC 3066 / RFC 2557)
// as BODYSTRUCTURE needs them. The first occurrence of each field counts, as in Dovecot.
import libmime from "libmime";
import { fieldValue, latin1ToText, type HeaderField } from "./header-block.js";
import { mergeRfc2231, parseContentType, parseDisposition } from "./params.js";
import type { MimeParam } from "./types.js";

export interface ContentInfo {
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly MimeParam[];
  /** The multipart boundary as raw bytes, or null. */
  readonly boundary: Buffer | null;
  readonly id: string | null;
  readonly description: string | null;
  readonly encoding: string | null;
  readonly md5: string | null;
  readonly disposition: string | null;
  readonly dispositionParams: readonly MimeParam[];
  readonly language: readonly string[] | null;
  readonly location: string | null;
  readonly filename: string | null;
}

/** Where the entity sits: parts of a multipart are MIME by definition (RFC 2046 §5.1). */
export interface EntityContext {
  readonly inMultipart: boolean;
  /** RFC 2046 §5.1.5: in multipart/digest the default type is message/rfc822. */
  readonly inDigest: boolean;
}

type Lookup = (name: string) => string | null;

function textParams(params: readonly MimeParam[]): MimeParam[] {
  return params.map(([name, value]) => [latin1ToText(name), latin1ToText(value)]);
}

/** RFC 2231 "charset'language'%XX" → raw bytes as a latin1 string. */
function percentDecoded(extended: string): string {
  const value = extended.replace(/^[^']*'[^']*'/, "");
  return value.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The boundary bytes. Dovecot ignores an RFC 2231-encoded boundary (boundary*=...), which
 * leaves such a message without parts; RFC 2231 §4 allows the encoding on any parameter, so
 * it is decoded here. Empty boundaries and ones with line ends can never match a line.
 */
function boundaryOf(params: readonly MimeParam[]): Buffer | null {
  const plain = params.find(([name]) => name === "boundary");
  const encoded = params.find(([name]) => name === "boundary*");
  const value = plain?.[1] ?? (encoded === undefined ? undefined : percentDecoded(encoded[1]));
  if (value === undefined || value === "" || /[\r\n]/.test(value)) return null;
  return Buffer.from(value, "latin1");
}

/** A parameter decoded for people: RFC 2231 (charset, continuations) and RFC 2047 words. */
function displayParam(header: string | null, name: string): string | null {
  if (header === null) return null;
  try {
    // A real Content-Type or Content-Disposition is short; the cap bounds libmime's work.
    const parsed = libmime.parseHeaderValue(latin1ToText(header.slice(0, 64 * 1024)));
    const value = parsed.params[name];
    if (value === undefined || value === "") return null;
    return parsed.decodedParams.includes(name) ? value : libmime.decodeWords(value);
  } catch {
    return null; // a file name is a convenience; a broken one is just not shown
  }
}

function encodingOf(value: string | null): string | null {
  const m = value === null ? null : /^\s*([^\s()<>@,;:\\"/[\]?=]+)\s*$/.exec(value);
  return m === null ? null : m[1]!.toLowerCase();
}

function languageOf(value: string | null): string[] | null {
  if (value === null) return null;
  const tags = value.split(",").map((t) => t.replace(/\([^)]*\)/g, "").trim()).filter((t) => t !== "");
  return tags.length > 0 ? tags.map(latin1ToText) : null;
}

function stringField(value: string | null): string | null {
  return value === null ? null : latin1ToText(value.trimEnd());
}

function typeOf(lookup: Lookup, ctx: EntityContext): { type: string; subtype: string; raw: MimeParam[] } {
  const header = lookup("content-type");
  const parsed = header === null ? null : parseContentType(header);
  if (parsed !== null) return { type: parsed.type, subtype: parsed.subtype, raw: [...parsed.rawParams] };
  // RFC 2045 §5.2: no or an invalid Content-Type means text/plain (us-ascii).
  return ctx.inDigest && header === null ? { type: "message", subtype: "rfc822", raw: [] } : { type: "text", subtype: "plain", raw: [] };
}

/** Content information of an entity from its header fields. */
export function readContentInfo(raw: Buffer, byName: ReadonlyMap<string, readonly HeaderField[]>, ctx: EntityContext): ContentInfo {
  // Content-* fields count only in a MIME entity: one inside a multipart, or one with
  // MIME-Version or (as Dovecot accepts from sloppy mailers) a Content-Type.
  const isMime = ctx.inMultipart || byName.has("mime-version") || byName.has("content-type");
  const lookup: Lookup = (name) => {
    const field = isMime ? byName.get(name)?.[0] : undefined;
    return field === undefined ? null : fieldValue(raw, field);
  };
  const { type, subtype, raw: rawParams } = typeOf(lookup, ctx);
  const params = mergeRfc2231(rawParams);
  const disposition = parseDisposition(lookup("content-disposition") ?? "");
  return {
    type,
    subtype,
    params: textParams(params),
    boundary: type === "multipart" ? boundaryOf(params) : null,
    id: stringField(lookup("content-id")),
    description: stringField(lookup("content-description")),
    encoding: encodingOf(lookup("content-transfer-encoding")),
    md5: stringField(lookup("content-md5")),
    disposition: disposition?.type ?? null,
    dispositionParams: textParams(mergeRfc2231(disposition?.rawParams ?? [])),
    language: languageOf(lookup("content-language")),
    location: stringField(lookup("content-location")),
    filename: displayParam(lookup("content-disposition"), "filename") ?? displayParam(lookup("content-type"), "name"),
  };
}
