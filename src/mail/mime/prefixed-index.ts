// The index of a message with header fields put on top (our X-Moat-External mark, a monitoring
// copy's X-Moat-Monitor, an admin rule's X- header), worked out from the original's index
// instead of parsing the message again: every byte offset moves by the prefix's length and the
// top-level header grows by it. Only X- fields qualify — they change neither the ENVELOPE nor
// the MIME structure; the caller parses anything else afresh.
import type { MessageSummary } from "./index-message.js";
import type { MimePart } from "./types.js";

/** True when the fields are whole "X-…:" header lines, CRLF-terminated. */
export function onlyExtensionFields(fields: string): boolean {
  return fields.length > 0 && fields.endsWith("\r\n") && fields.split("\r\n").slice(0, -1).every((line) => /^(?:x-[\x21-\x39\x3b-\x7e]*:|[ \t])/i.test(line)) && /^x-/i.test(fields);
}

/**
 * Whether the original starts with a header field, so fields put on top join its header rather
 * than swallowing a first line that begins with white space (a continuation) or a blank line.
 */
export function acceptsPrefix(raw: Buffer, index: MessageSummary): boolean {
  const first = raw[0];
  return index.structure.headerLength > 0 && first !== undefined && first !== 0x20 && first !== 0x09 && first !== 0x0d && first !== 0x0a;
}

function shifted(part: MimePart, by: number): MimePart {
  return {
    ...part,
    headerStart: part.headerStart + by,
    bodyStart: part.bodyStart + by,
    ...(part.parts ? { parts: part.parts.map((p) => shifted(p, by)) } : {}),
    ...(part.message ? { message: { ...part.message, structure: shifted(part.message.structure, by) } } : {}),
  };
}

/**
 * The index of `prefixLength` bytes of X- fields put on top of the message `index` describes.
 * A negative length takes fields off the top instead: the index of a body stored over a base
 * (decision 0038) is its base's with the base's fields taken off and its own put on, which is
 * exactly what this function applied to the original message once gives, as offsets only add.
 */
export function prefixedIndex<T extends MessageSummary>(index: T, prefixLength: number): T {
  const top = shifted(index.structure, prefixLength);
  return {
    ...index,
    size: index.size + prefixLength,
    // The top-level header starts at 0 still and now holds the prefix.
    structure: { ...top, headerStart: 0, headerLength: index.structure.headerLength + prefixLength },
  };
}
