// The external-mail warning (issue 7 item 7, pipeline stage 7): mail from outside the company
// carries a header that the webmail shows as a banner ("This message came from outside your
// company: Alice <alice@partner.example>"). A header, not a rewritten body, so the original
// bytes and their DKIM signature stay intact. For third-party clients a domain may add a
// subject tag and a banner at the top of the text and HTML bodies (mail/rewrite/), which do
// change the bytes. A header of that name arriving from outside is removed first, so nobody can
// forge the absence or the wording of the mark.
import addressparser from "nodemailer/lib/addressparser/index.js";
import libmime from "libmime";
import { domainOf, parseAddress, type Address, type DomainName } from "../../mail/address.js";
import type { ExternalWarningMode } from "./flow-settings.js";
import { headerValues } from "./trace-headers.js";

export const externalHeaderName = "X-Moat-External";

/** Who the reader will think wrote the message: the first From, as the header gives it. */
export interface VisibleSender {
  readonly name: string;
  readonly address: Address | null;
}

export function visibleSender(message: Buffer): VisibleSender {
  const first = headerValues(message, "from")[0];
  const entry = first === undefined ? undefined : addressparser(first).find((e) => "address" in e && e.address);
  const parsed = entry && "address" in entry && entry.address ? parseAddress(entry.address) : undefined;
  const name = entry?.name ? libmime.decodeWords(entry.name) : "";
  return { name, address: parsed?.ok ? parsed.value : null };
}

/** The domain, or a parent of it, is on the list. */
export function onAllowList(allow: readonly string[], domain: DomainName | null): boolean {
  if (domain === null) return false;
  return allow.some((entry) => domain === entry || domain.endsWith(`.${entry}`));
}

/**
 * Whether a message is exempt: the list vouches for a sender only when both the envelope
 * sender's domain (checked by SPF) and the visible From's domain are on it — the From alone
 * could be forged by anyone, and a whitelisted partner without DMARC would lend its name.
 */
export function exempt(allow: readonly string[], mailFrom: Address | null, sender: VisibleSender): boolean {
  return onAllowList(allow, mailFrom && domainOf(mailFrom)) && onAllowList(allow, sender.address && domainOf(sender.address));
}

/** A parameter: quoted ASCII, or RFC 2231's UTF-8 form for any other text; never a line break. */
const parameter = (key: string, text: string) => {
  const flat = text.replace(/[\r\n\t]+/g, " ").slice(0, 200);
  if (/^[\x20-\x7e]*$/.test(flat)) return `${key}="${flat.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `${key}*=utf-8''${encodeURIComponent(flat).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
};

/** Who the warning names: the display name (general), with the address too (advanced). */
function senderText(mode: ExternalWarningMode, sender: VisibleSender): string {
  // Cut so a name of kilobytes cannot push the banner's line past what a mail line may hold.
  const name = sender.name.replace(/\s+/g, " ").trim().slice(0, 100);
  if (sender.address === null) return name !== "" ? name : "unknown sender";
  if (mode !== "advanced") return name !== "" ? name : sender.address;
  return name !== "" ? `${name} <${sender.address}>` : sender.address;
}

/** The banner sentence for the body, or "" when the mode is off. */
export function warningBanner(mode: ExternalWarningMode, sender: VisibleSender): string {
  if (mode === "off") return "";
  return `This message came from outside your organisation: ${senderText(mode, sender)}. Be careful with links and attachments.`;
}

/** The header line to prepend (CRLF-terminated), or "" when the mode is off. */
export function warningHeader(mode: ExternalWarningMode, sender: VisibleSender): string {
  if (mode === "off") return "";
  const name = sender.name !== "" ? sender.name : (sender.address ?? "unknown sender");
  const address = mode === "advanced" ? `; ${parameter("address", sender.address ?? "")}` : "";
  return `${externalHeaderName}: ${mode}; ${parameter("name", name)}${address}\r\n`;
}
