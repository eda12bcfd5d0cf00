// Helpers for the rewrite tests: the MIME tree's shape, its leaves, and a part's text decoded
// independently of the code under test (Buffer's base64, libqp, TextDecoder).
import assert from "node:assert/strict";
import libqp from "libqp";
import { simpleParser, type ParsedMail } from "mailparser";
import { parseMessage } from "../../src/mail/mime/structure.js";
import type { MimePart } from "../../src/mail/mime/types.js";

export const BANNER = "This message came from outside your organisation: Alice. Be careful with links and attachments.";

/** "multipart/mixed(text/plain,image/gif)": types and nesting, nothing else. */
export function shape(part: MimePart): string {
  const type = `${part.type}/${part.subtype}`;
  if (part.parts !== undefined) return `${type}(${part.parts.map(shape).join(",")})`;
  if (part.message !== undefined) return `${type}[${shape(part.message.structure)}]`;
  return type;
}

/** The leaves of the tree; a message/rfc822 part counts as one leaf (its bytes are compared whole). */
export function leaves(part: MimePart, out: MimePart[] = []): MimePart[] {
  if (part.parts !== undefined) for (const child of part.parts) leaves(child, out);
  else out.push(part);
  return out;
}

export const bodyOf = (raw: Buffer, part: MimePart): Buffer => raw.subarray(part.bodyStart, part.bodyStart + part.bodyLength);
export const entityOf = (raw: Buffer, part: MimePart): Buffer => raw.subarray(part.headerStart, part.bodyStart + part.bodyLength);

export function param(part: MimePart, name: string): string | undefined {
  return part.params.find(([key]) => key === name)?.[1];
}

/** The part's text: transfer-decoded, then read in its charset (the few the tests use). */
export function partText(raw: Buffer, part: MimePart): string {
  const body = bodyOf(raw, part);
  const octets = part.encoding === "base64" ? Buffer.from(body.toString("latin1"), "base64") : part.encoding === "quoted-printable" ? libqp.decode(body) : body;
  const charset = (param(part, "charset") ?? "us-ascii").toLowerCase();
  return new TextDecoder(charset === "us-ascii" ? "utf-8" : charset).decode(octets);
}

/** Parses both, asserts the same tree shape and returns the rewritten leaves beside the originals. */
export function compare(before: Buffer, after: Buffer): { old: MimePart[]; now: MimePart[]; before: MimePart; after: MimePart } {
  const a = parseMessage(before).structure;
  const b = parseMessage(after).structure;
  assert.equal(shape(b), shape(a));
  const old = leaves(a);
  const now = leaves(b);
  assert.equal(now.length, old.length);
  return { old, now, before: a, after: b };
}

/** Every line (CRLF or LF) of the part's raw body is at most `max` characters. */
export function assertLineLengths(raw: Buffer, part: MimePart, max: number): void {
  for (const line of bodyOf(raw, part).toString("latin1").split(/\r?\n/)) assert.ok(line.length <= max, `line of ${line.length}: ${line.slice(0, 40)}…`);
}

export async function parsed(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, { skipImageLinks: true });
}

export function mail(lines: readonly string[], eol = "\r\n"): Buffer {
  return Buffer.from(lines.join(eol), "latin1");
}
