// The body transforms of RFC 5173 §5 over a parsed MIME tree:
//   :raw     the undecoded body after the top header, as one string;
//   :text    the text of each text/* leaf, transfer- and charset-decoded, HTML reduced to text;
//   :content each leaf whose type matches ("" every part, "text" every text/*, "text/html"
//            exactly), transfer-decoded, charset-decoded when it is text.
// Leaves inside message/rfc822 parts are visited too. Work is bounded by a byte budget.
import libqp from "libqp";
import { decode as decodeCharset } from "libmime/lib/charset.js";
import { htmlToText } from "../../mail/mime/body-text.js";
import { latin1ToText } from "../../mail/mime/header-block.js";
import type { MimePart } from "../../mail/mime/types.js";
import type { SieveBodyTransform } from "./types.js";

function leaves(part: MimePart, out: MimePart[]): MimePart[] {
  if (part.parts !== undefined) for (const child of part.parts) leaves(child, out);
  else if (part.message !== undefined) leaves(part.message.structure, out);
  else out.push(part);
  return out;
}

function transferDecode(body: Buffer, encoding: string | null): Buffer {
  if (encoding === "base64") return Buffer.from(body.toString("latin1"), "base64");
  if (encoding === "quoted-printable") return libqp.decode(body);
  return body;
}

function charsetOf(part: MimePart): string {
  const value = part.params.find(([name]) => name === "charset")?.[1] ?? "utf-8";
  const name = value.trim().toLowerCase();
  // 8-bit text labelled US-ASCII (or unlabelled) is most often UTF-8.
  return name === "us-ascii" || name === "ascii" || name === "" ? "utf-8" : name;
}

function typeMatches(part: MimePart, types: readonly string[]): boolean {
  return types.some((t) => t === "" || t === part.type || t === `${part.type}/${part.subtype}`);
}

export class BodyReader {
  constructor(
    private readonly raw: Buffer,
    private readonly structure: MimePart,
    /** Bytes of the message looked at per transform. */
    private readonly budget: number,
  ) {}

  private decoded(part: MimePart, take: number): string {
    const body = this.raw.subarray(part.bodyStart, part.bodyStart + Math.min(part.bodyLength, take));
    try {
      const bytes = transferDecode(body, part.encoding);
      return part.type === "text" ? decodeCharset(bytes, charsetOf(part)) : bytes.toString("latin1");
    } catch {
      // A decoder choking on broken input must not stop the filter: use the bytes as they are.
      return body.toString("latin1");
    }
  }

  private parts(filter: (p: MimePart) => boolean, text: (p: MimePart, take: number) => string): string[] {
    const out: string[] = [];
    let left = this.budget;
    for (const part of leaves(this.structure, [])) {
      if (left <= 0) break;
      if (!filter(part) || part.opaque !== undefined) continue;
      out.push(text(part, left));
      left -= part.bodyLength;
    }
    return out;
  }

  read(transform: SieveBodyTransform): string[] {
    if (transform.kind === "raw") {
      const start = this.structure.bodyStart;
      return [latin1ToText(this.raw.toString("latin1", start, Math.min(this.raw.length, start + this.budget)))];
    }
    if (transform.kind === "text") {
      return this.parts(
        (p) => p.type === "text",
        (p, take) => (p.subtype === "html" ? htmlToText(this.decoded(p, take), take) : this.decoded(p, take)),
      );
    }
    return this.parts((p) => typeMatches(p, transform.types), (p, take) => this.decoded(p, take));
  }
}
