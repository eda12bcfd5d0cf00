// Which parts carry the banner: the message's body text as a reader meets it, the first
// text/plain and the first text/html leaf that are not attachments. A forwarded message
// (message/rfc822) is someone else's mail and keeps its bytes; a signed or encrypted multipart
// is left whole too, since a changed byte would turn a genuine signature into a warning of
// tampering (the subject tag and the header still mark such mail).
import type { MimePart } from "../mime/types.js";

export interface BannerTargets {
  plain: MimePart | null;
  html: MimePart | null;
}

/** Transfer encodings the rewrite can decode and write back (RFC 2045 §6.1). */
export const rewritableEncodings = new Set([null, "7bit", "8bit", "binary", "quoted-printable", "base64"]);

const sealed = new Set(["signed", "encrypted"]);

/** An attachment: marked as one, or named (clients list a named part as a file even when inline). */
function isAttachment(part: MimePart): boolean {
  return part.disposition === "attachment" || part.filename !== null;
}

function visit(part: MimePart, found: BannerTargets): void {
  if (part.opaque === true || part.message !== undefined) return;
  if (part.parts !== undefined) {
    if (part.type === "multipart" && sealed.has(part.subtype)) return;
    for (const child of part.parts) {
      if (found.plain !== null && found.html !== null) return;
      visit(child, found);
    }
    return;
  }
  if (part.type !== "text" || isAttachment(part) || !rewritableEncodings.has(part.encoding)) return;
  if (part.subtype === "plain" && found.plain === null) found.plain = part;
  if (part.subtype === "html" && found.html === null) found.html = part;
}

export function bannerTargets(structure: MimePart): BannerTargets {
  const found: BannerTargets = { plain: null, html: null };
  visit(structure, found);
  return found;
}
