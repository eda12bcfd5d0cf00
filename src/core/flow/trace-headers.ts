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

/** Header fields, each with its folded continuation lines, as raw text. */
function fields(header: Buffer): string[] {
  const text = header.toString("latin1");
  const out: string[] = [];
  for (const line of text.split(/(?<=\r\n)/)) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && out.length > 0) out[out.length - 1] += line;
    else if (line !== "") out.push(line);
  }
  return out;
}

/** The values of every field with this name, unfolded, as UTF-8 text (RFC 2047 words left encoded). */
export function headerValues(message: Buffer, name: string): string[] {
  const prefix = new RegExp(`^${name}[ \\t]*:`, "i");
  return fields(splitHeader(message).header)
    .filter((f) => prefix.test(f))
    .map((f) => Buffer.from(f.slice(f.indexOf(":") + 1), "latin1").toString("utf8").replace(/\r\n/g, "").trim());
}

/** The message without any field of this name (the rest byte for byte). */
export function stripHeader(message: Buffer, name: string): Buffer {
  const { header, body } = splitHeader(message);
  const all = fields(header);
  const prefix = new RegExp(`^${name}[ \\t]*:`, "i");
  const kept = all.filter((f) => !prefix.test(f));
  if (kept.length === all.length) return message;
  return Buffer.concat([Buffer.from(kept.join(""), "latin1"), body]);
}

export function countReceived(message: Buffer): number {
  return fields(splitHeader(message).header).filter((f) => /^received\s*:/i.test(f)).length;
}

export function stripOwnAuthResults(message: Buffer, authservId: string): Buffer {
  const { header, body } = splitHeader(message);
  const all = fields(header);
  const id = authservId.toLowerCase();
  const kept = all.filter((f) => {
    const m = /^authentication-results\s*:\s*([^\s;]+)/i.exec(f);
    return !(m && m[1]!.toLowerCase() === id);
  });
  if (kept.length === all.length) return message;
  return Buffer.concat([Buffer.from(kept.join(""), "latin1"), body]);
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
