// The header edits the pipeline makes on the way in: our Received line (RFC 5321 §4.4), and
// removing Authentication-Results that claim to be ours before our own is added (RFC 8601
// §5: a forged one would make a spoofed message look verified to filters and readers).
// Everything else stays byte for byte.
import type { Origin } from "./types.js";

/** The header block: everything up to and including the blank line (or the whole message). */
export function splitHeader(message: Buffer): { header: Buffer; body: Buffer } {
  const end = message.indexOf("\r\n\r\n");
  if (end === -1) return { header: message, body: Buffer.alloc(0) };
  return { header: message.subarray(0, end + 2), body: message.subarray(end + 2) };
}

/** One header field with its folded continuation lines, as raw text, and its name in lower case. */
interface Field {
  readonly raw: string;
  /** Up to the colon, without trailing blanks; "" for a line with no colon (it matches no name). */
  readonly name: string;
  /** headerValues' form of it, made when first asked for. */
  value?: string;
}

/**
 * Each message's fields, split once: the stages ask the same message for From, Subject,
 * Message-ID, Authentication-Results and the admin rules' headers, and splitting the header for
 * each was a tenth of what the policies cost a delivery. Keyed by the buffer, which nobody
 * changes in place (an edit makes a new one), and gone with it.
 */
const parsed = new WeakMap<Buffer, { readonly fields: readonly Field[]; readonly body: Buffer }>();

function parse(message: Buffer): { readonly fields: readonly Field[]; readonly body: Buffer } {
  let found = parsed.get(message);
  if (found === undefined) {
    const { header, body } = splitHeader(message);
    const raw: string[] = [];
    for (const line of header.toString("latin1").split(/(?<=\r\n)/)) {
      if ((line.startsWith(" ") || line.startsWith("\t")) && raw.length > 0) raw[raw.length - 1] += line;
      else if (line !== "") raw.push(line);
    }
    const fields = raw.map((r): Field => {
      const colon = r.indexOf(":");
      return { raw: r, name: colon === -1 ? "" : r.slice(0, colon).replace(/[ \t]+$/, "").toLowerCase() };
    });
    parsed.set(message, (found = { fields, body }));
  }
  return found;
}

const valueOf = (f: Field) => (f.value ??= Buffer.from(f.raw.slice(f.raw.indexOf(":") + 1), "latin1").toString("utf8").replace(/\r\n/g, "").trim());

/** The values of every field with this name, unfolded, as UTF-8 text (RFC 2047 words left encoded). */
export function headerValues(message: Buffer, name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  for (const f of parse(message).fields) if (f.name === wanted) out.push(valueOf(f));
  return out;
}

/** The message without the fields `drop` picks (the rest byte for byte; the same buffer when none). */
function without(message: Buffer, drop: (f: Field) => boolean): Buffer {
  const { fields, body } = parse(message);
  const kept = fields.filter((f) => !drop(f));
  if (kept.length === fields.length) return message;
  return Buffer.concat([Buffer.from(kept.map((f) => f.raw).join(""), "latin1"), body]);
}

/** The message without any field of this name (the rest byte for byte). */
export function stripHeader(message: Buffer, name: string): Buffer {
  const wanted = name.toLowerCase();
  return without(message, (f) => f.name === wanted);
}

export function countReceived(message: Buffer): number {
  return parse(message).fields.filter((f) => f.name === "received").length;
}

export function stripOwnAuthResults(message: Buffer, authservId: string): Buffer {
  const id = authservId.toLowerCase();
  return without(message, (f) => f.name === "authentication-results" && (/^[^:]*:\s*([^\s;]+)/.exec(f.raw)?.[1] ?? "").toLowerCase() === id);
}

/** Printable ASCII only, capped: the HELO name and the like are the client's words. */
function clean(text: string, max = 255): string {
  return text.replace(/[^\x21-\x7e]/g, "?").slice(0, max) || "unknown";
}

export function receivedHeader(origin: Origin, opts: { hostname: string; id: string; recipients: readonly string[]; date: Date }): string {
  const when = opts.date.toUTCString().replace("GMT", "+0000");
  if (origin.kind === "system") return `Received: by ${opts.hostname} (Moat) id ${opts.id}; ${when}\r\n`;
  // RFC 3848 protocol names: ESMTP, +S with TLS, +A when authenticated.
  const protocol = `ESMTP${origin.tls ? "S" : ""}${origin.kind === "submission" ? "A" : ""}`;
  const lines = [`Received: from ${clean(origin.helo)} ([${origin.ip}])`, `\tby ${opts.hostname} (Moat) with ${protocol} id ${opts.id}`];
  if (origin.tls) lines.push(`\t(version=${clean(origin.tls.protocol, 32)} cipher=${clean(origin.tls.cipher, 64)})`);
  const single = opts.recipients.length === 1 ? `\tfor <${opts.recipients[0]}>` : "";
  lines.push(`${single ? `${single}; ` : "\t"}${when}`);
  return `${lines.join("\r\n")}\r\n`;
}
