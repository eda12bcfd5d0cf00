// ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, grammar "envelope" and "body" in §9) from
// the index stored at delivery, written the way Dovecot writes them so clients get what they
// already handle:
// - text parts without a charset parameter get "charset" "us-ascii" (RFC 2045 §5.2 default);
// - a multipart without parts (no usable boundary) lists one empty text/plain part, since the
//   grammar requires at least one body (body-type-mpart = 1*body SP media-subtype);
// - a message/rfc822 kept opaque by the MIME-bomb caps is written as application/octet-stream,
//   because body-type-msg must carry an envelope and a body that were never parsed.
// The returned string is meant to be written as UTF-8 (literal lengths count UTF-8 bytes).
import type { ImapAddress, ImapEnvelope, MimeParam, MimePart } from "../../../mail/mime/types.js";
import { imapNString, imapString, imapStringList } from "./strings.js";

function address([name, adl, mailbox, host]: ImapAddress): string {
  return `(${imapNString(name)} ${imapNString(adl)} ${imapNString(mailbox)} ${imapNString(host)})`;
}

/** An address list: "(" 1*address ")" / nil. Addresses follow each other without a space. */
export function formatAddressList(list: readonly ImapAddress[] | null): string {
  return list === null || list.length === 0 ? "NIL" : `(${list.map(address).join("")})`;
}

export function formatEnvelope(env: ImapEnvelope): string {
  const fields = [
    imapNString(env.date),
    imapNString(env.subject),
    formatAddressList(env.from),
    formatAddressList(env.sender),
    formatAddressList(env.replyTo),
    formatAddressList(env.to),
    formatAddressList(env.cc),
    formatAddressList(env.bcc),
    imapNString(env.inReplyTo),
    imapNString(env.messageId),
  ];
  return `(${fields.join(" ")})`;
}

const DEFAULT_CHARSET: MimeParam = ["charset", "us-ascii"];
const EMPTY_BODY = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)';
const EMPTY_BODYSTRUCTURE = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';

/** body-fld-param: ("name" "value" ...) or NIL. */
function formatParams(params: readonly MimeParam[], defaultCharset: boolean): string {
  const needsCharset = defaultCharset && !params.some(([name]) => name.toLowerCase() === "charset");
  const all = needsCharset ? [...params, DEFAULT_CHARSET] : params;
  if (all.length === 0) return "NIL";
  return `(${all.map(([name, value]) => `${imapString(name)} ${imapString(value)}`).join(" ")})`;
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc: the extension data both kinds share. */
function formatCommonExtension(part: MimePart): string {
  const disposition = part.disposition === null ? "NIL" : `(${imapString(part.disposition)} ${formatParams(part.dispositionParams, false)})`;
  return `${disposition} ${imapStringList(part.language)} ${imapNString(part.location)}`;
}

function formatMultipart(part: MimePart, parts: readonly MimePart[], extended: boolean): string {
  const empty = extended ? EMPTY_BODYSTRUCTURE : EMPTY_BODY;
  const children = parts.length > 0 ? parts.map((child) => formatBodyStructure(child, extended)).join("") : empty;
  const extension = extended ? ` ${formatParams(part.params, false)} ${formatCommonExtension(part)}` : "";
  return `(${children} ${imapString(part.subtype)}${extension})`;
}

function formatSinglePart(part: MimePart, extended: boolean): string {
  const opaqueMessage = part.message === undefined && part.type === "message" && part.subtype === "rfc822";
  const [type, subtype] = opaqueMessage ? ["application", "octet-stream"] : [part.type, part.subtype];
  const text = type === "text";
  const fields = [
    imapString(type),
    imapString(subtype),
    formatParams(part.params, text),
    imapNString(part.id),
    imapNString(part.description),
    imapString(part.encoding ?? "7bit"),
    String(part.size),
  ];
  if (text) fields.push(String(part.lines));
  else if (part.message !== undefined) {
    fields.push(formatEnvelope(part.message.envelope), formatBodyStructure(part.message.structure, extended), String(part.lines));
  }
  if (extended) fields.push(imapNString(part.md5), formatCommonExtension(part));
  return `(${fields.join(" ")})`;
}

/** BODYSTRUCTURE when `extended`, BODY otherwise: the parenthesized body of this part. */
export function formatBodyStructure(part: MimePart, extended: boolean): string {
  return part.parts !== undefined ? formatMultipart(part, part.parts, extended) : formatSinglePart(part, extended);
}
