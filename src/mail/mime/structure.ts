// Splitting a message into its MIME tree with byte offsets (RFC 2045, RFC 2046 §5).
//
// Hand-written rather than built on mailsplit: IMAP needs the exact byte range of every
// part's header and body (BODY[1.2.MIME], BODY[2.TEXT], sizes and line counts that match the
// bytes served), which mailsplit's stream of re-serialised nodes does not give. The splitting
// rules are Dovecot's (lib-mail/message-parser.c), so clients see the same structure they
// see on Dovecot, including for broken mail:
// - the line end before a delimiter belongs to the delimiter, not to the part;
// - a delimiter may sit on a part's first line (an empty part) and inside a part's header,
//   which then ends there;
// - a missing close delimiter ends every open part at the end of the message;
// - a multipart without a usable boundary has no parts (its body is kept unparsed).
// Caps against MIME bombs (as Dovecot): at MAX_MIME_DEPTH levels a multipart or message/rfc822
// is kept as an opaque leaf, and after MAX_MIME_PARTS parts no delimiter is recognised, so the
// rest of the message is the body of the last part.
import { readContentInfo, type ContentInfo, type EntityContext } from "./content-info.js";
import { buildEnvelope, EMPTY_ENVELOPE } from "./envelope.js";
import { fieldsByName, readHeaderBlock } from "./header-block.js";
import { BoundaryScanner, type BoundaryHit } from "./scanner.js";
import { MAX_MIME_DEPTH, MAX_MIME_PARTS, type EncapsulatedMessage, type ImapEnvelope, type MimePart } from "./types.js";

interface Ctx {
  readonly raw: Buffer;
  readonly scanner: BoundaryScanner;
  parts: number;
}

interface Entity {
  readonly part: MimePart;
  readonly envelope: ImapEnvelope;
  /** The delimiter that ended this entity, or null when it ran to the end of the message. */
  readonly hit: BoundaryHit | null;
}

/** Counts a new part; at the cap, delimiters stop being recognised (the rest is one body). */
function countPart(ctx: Ctx): void {
  ctx.parts++;
  if (ctx.parts >= MAX_MIME_PARTS) ctx.scanner.disabled = true;
}

type Extra = Pick<MimePart, "parts" | "message" | "opaque">;

function makePart(start: number, bodyStart: number, bodyEnd: number, lines: number, info: ContentInfo, extra: Extra): MimePart {
  const { boundary: _boundary, ...content } = info;
  const size = bodyEnd - bodyStart;
  return { headerStart: start, headerLength: bodyStart - start, bodyStart, bodyLength: size, ...content, size, lines, ...extra };
}

/** Where a body ends: at the delimiter that ended it, or at the end of the message. */
function bodyEnd(ctx: Ctx, hit: BoundaryHit | null): { end: number; lines: number } {
  return hit === null ? { end: ctx.raw.length, lines: ctx.scanner.linesBefore(ctx.raw.length) } : { end: hit.at, lines: hit.atLines };
}

function parseMultipart(ctx: Ctx, boundary: Buffer, bodyStart: number, depth: number, digest: boolean): { parts: MimePart[]; hit: BoundaryHit | null } {
  const level = ctx.scanner.push(boundary);
  const parts: MimePart[] = [];
  let hit = ctx.scanner.findFrom(bodyStart);
  while (hit !== null && hit.level === level && !hit.close) {
    const child = parseEntity(ctx, hit.next, depth + 1, { inMultipart: true, inDigest: digest });
    parts.push(child.part);
    hit = child.hit;
  }
  ctx.scanner.truncate(level);
  // After the close delimiter comes the epilogue, which runs to the parent's next delimiter.
  if (hit !== null && hit.level === level) hit = ctx.scanner.findFrom(hit.next);
  return { parts, hit };
}

function parseBody(ctx: Ctx, info: ContentInfo, bodyStart: number, depth: number): { extra: Extra; hit: BoundaryHit | null } {
  const container = info.type === "multipart" || (info.type === "message" && info.subtype === "rfc822");
  const canNest = depth + 1 < MAX_MIME_DEPTH && !ctx.scanner.disabled;
  if (!container) return { extra: {}, hit: ctx.scanner.findFrom(bodyStart) };
  if (info.type === "multipart" && info.boundary === null) return { extra: { parts: [] }, hit: ctx.scanner.findFrom(bodyStart) };
  if (!canNest) return { extra: { opaque: true }, hit: ctx.scanner.findFrom(bodyStart) };
  if (info.boundary !== null) {
    const { parts, hit } = parseMultipart(ctx, info.boundary, bodyStart, depth, info.subtype === "digest");
    return { extra: { parts }, hit };
  }
  const inner = parseEntity(ctx, bodyStart, depth + 1, { inMultipart: false, inDigest: false });
  const message: EncapsulatedMessage = { envelope: inner.envelope, structure: inner.part };
  return { extra: { message }, hit: inner.hit };
}

const EMPTY_INFO: ContentInfo = {
  type: "text", subtype: "plain", params: [], boundary: null, id: null, description: null, encoding: null,
  md5: null, disposition: null, dispositionParams: [], language: null, location: null, filename: null,
};

/**
 * An entity whose header was cut by a delimiter: its body is empty. A message/rfc822 one gets
 * an empty encapsulated message, since BODYSTRUCTURE must give it an envelope and a body.
 */
function cutEntity(ctx: Ctx, start: number, info: ContentInfo, hit: BoundaryHit): MimePart {
  let extra: Extra = {};
  if (info.type === "multipart") extra = { parts: [] };
  else if (info.type === "message" && info.subtype === "rfc822") {
    countPart(ctx);
    extra = { message: { envelope: EMPTY_ENVELOPE, structure: makePart(hit.at, hit.at, hit.at, 0, EMPTY_INFO, {}) } };
  }
  return makePart(start, hit.at, hit.at, 0, info, extra);
}

/** Parses the entity (header and body) starting at `start`. */
function parseEntity(ctx: Ctx, start: number, depth: number, where: EntityContext): Entity {
  countPart(ctx);
  const { raw, scanner } = ctx;
  const stop = scanner.active ? (p: number) => scanner.matchLine(p) !== null : undefined;
  const header = readHeaderBlock(raw, start, raw.length, stop);
  const byName = fieldsByName(header.fields);
  const info = readContentInfo(raw, byName, where);
  // Only a message (the top one or a message/rfc822 body) has an envelope.
  const envelope = where.inMultipart ? EMPTY_ENVELOPE : buildEnvelope(raw, byName);
  if (header.stoppedAt !== null) {
    const hit = scanner.hitAt(header.stoppedAt, start)!;
    return { part: cutEntity(ctx, start, info, hit), hit, envelope };
  }
  const bodyStart = header.end;
  const startLines = scanner.linesBefore(bodyStart);
  const { extra, hit } = parseBody(ctx, info, bodyStart, depth);
  const { end, lines } = bodyEnd(ctx, hit);
  return { part: makePart(start, bodyStart, end, lines - startLines, info, extra), hit, envelope };
}

/** The MIME tree and the top-level envelope of a whole message. */
export function parseMessage(raw: Buffer): { structure: MimePart; envelope: ImapEnvelope } {
  const ctx: Ctx = { raw, scanner: new BoundaryScanner(raw), parts: 0 };
  const root = parseEntity(ctx, 0, 0, { inMultipart: false, inDigest: false });
  return { structure: root.part, envelope: root.envelope };
}
