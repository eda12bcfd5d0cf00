// The subject tag (issue 7 item 7): "[External] " in front of the Subject, for mail clients
// that do not show Moat's warning header. Only the Subject field changes; every other byte of
// the message stays where it was.
//
// An ASCII tag in front of an ASCII subject is put before the subject's own bytes, keeping its
// folding and its encoded-words: a plain word before an encoded-word keeps the space between
// them (RFC 2047 §6.2), so "[External] =?UTF-8?B?...?=" reads "[External] 日本語". When the tag
// or the subject holds 8-bit text the whole subject is written again as encoded-words, folded
// at 76 columns, since an 8-bit header field may not survive the clients and relays it meets.
import libmime from "libmime";
import { fieldValue, latin1ToText, readHeaderBlock, type HeaderBlock, type HeaderField } from "../mime/header-block.js";
import { applySplices, isAscii, lineEndOf } from "./splice.js";

/** Headers are folded near this width (RFC 5322 §2.1.1 "SHOULD be no more than 78"). */
const FOLD_AT = 78;

/** The subject as a reader sees it: unfolded, 8-bit text read as UTF-8, encoded-words decoded. */
function decodedSubject(raw: Buffer, field: HeaderField): string {
  return libmime.decodeWords(latin1ToText(fieldValue(raw, field)));
}

/** The field's value bytes (as latin1) without the blanks and fold that may open it. */
function valueText(raw: Buffer, field: HeaderField): string {
  return raw.toString("latin1", field.valueStart, field.end).replace(/^[ \t]*(\r?\n(?=[ \t]))?[ \t]*/, "");
}

/** Tag before the original bytes; the subject moves to a continuation line when the first line would grow past 78. */
function prefixedField(tag: string, rest: string, eol: string): string {
  if (rest === "" || /^\r?\n$/.test(rest)) return `Subject: ${tag}${rest}`;
  const firstLine = `Subject: ${tag} ${rest.split(/\r?\n/, 1)[0]}`;
  return firstLine.length <= FOLD_AT ? `Subject: ${tag} ${rest}` : `Subject: ${tag}${eol} ${rest}`;
}

/** The whole subject as RFC 2047 encoded-words (only the words that need it), folded. */
function encodedField(text: string, eol: string): string {
  const folded = libmime.foldLines(`Subject: ${libmime.encodeWords(text, "Q", 52)}`, 76);
  return `${folded.replace(/\r?\n/g, eol)}${eol}`;
}

function withSubject(raw: Buffer, field: HeaderField, tag: string, eol: string): Buffer | null {
  const subject = decodedSubject(raw, field);
  if (subject.trimStart().startsWith(tag)) return null;
  const plain = isAscii(tag) && isAscii(raw.subarray(field.valueStart, field.end));
  if (plain) {
    const text = prefixedField(tag, valueText(raw, field), eol);
    return applySplices(raw, [{ start: field.start, end: field.end, bytes: Buffer.from(text, "latin1") }]);
  }
  // The line end of the field is kept as it was: the last field may end the message without one.
  const ending = raw[field.end - 1] === 0x0a;
  const text = encodedField(subject === "" ? tag : `${tag} ${subject.trimStart()}`, eol);
  return applySplices(raw, [{ start: field.start, end: field.end, bytes: Buffer.from(ending ? text : text.slice(0, -eol.length), "latin1") }]);
}

/** A new Subject field, put at the end of the header (before its blank line), or on top when there is none. */
function addSubject(raw: Buffer, header: HeaderBlock, tag: string, eol: string): Buffer | null {
  const text = isAscii(tag) ? `Subject: ${tag}${eol}` : encodedField(tag, eol);
  const last = header.fields.at(-1);
  const at = header.blankLine && last !== undefined ? last.end : 0;
  return applySplices(raw, [{ start: at, end: at, bytes: Buffer.from(text, "latin1") }]);
}

/**
 * The message with `tag` in front of its Subject (a Subject is added when there is none), once:
 * a subject that already starts with the tag is left as it is. Never throws; the message comes
 * back unchanged when the tag is empty or the header cannot be edited.
 */
export function tagSubject(message: Buffer, tag: string): Buffer {
  const clean = tag.replace(/[\r\n\t]+/g, " ").trim();
  if (clean === "") return message;
  try {
    const header = readHeaderBlock(message, 0, message.length);
    const eol = lineEndOf(message);
    const field = header.fields.find((f) => f.name.toLowerCase() === "subject" && f.valueStart < f.end);
    const out = field === undefined ? addSubject(message, header, clean, eol) : withSubject(message, field, clean, eol);
    return out ?? message;
  } catch {
    return message;
  }
}
