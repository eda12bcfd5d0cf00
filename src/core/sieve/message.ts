// A SieveMessage from the raw bytes of a message, for delivery and tests: the top header's
// fields unfolded (RFC 5322 §2.2.3) and, for the header test, RFC 2047-decoded (RFC 5228
// §5.7); undecoded values for the address test; the body transforms over the MIME tree.
// Values are computed on first use and cached: a script asks for few headers.
import libmime from "libmime";
import { fieldValue, fieldsByName, latin1ToText, readHeaderBlock, type HeaderField } from "../../mail/mime/header-block.js";
import { parseMessage } from "../../mail/mime/structure.js";
import { BodyReader } from "./body.js";
import type { SieveBodyTransform, SieveMessage } from "./types.js";

export interface SieveMessageOptions {
  /** Bytes of the body a body test reads (default 1 MiB): a filter must not cost a full scan of a huge attachment. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

export function sieveMessageOf(raw: Buffer, envelope: { from: string; to: string }, opts?: SieveMessageOptions): SieveMessage {
  const header = readHeaderBlock(raw, 0, raw.length);
  const byName = fieldsByName(header.fields);
  let body: BodyReader | null = null;
  const bodies = new Map<string, readonly string[]>();
  const undecoded = new Map<string, readonly string[]>();
  const decoded = new Map<string, readonly string[]>();
  const rawValues = (name: string): readonly string[] => {
    const key = name.toLowerCase();
    let values = undecoded.get(key);
    if (values === undefined) {
      const fields: readonly HeaderField[] = byName.get(key) ?? [];
      values = fields.map((f) => latin1ToText(fieldValue(raw, f)).replace(/[ \t]+$/, ""));
      undecoded.set(key, values);
    }
    return values;
  };
  return {
    envelope: { from: envelope.from, to: envelope.to },
    size: raw.length,
    rawHeader: rawValues,
    header(name) {
      const key = name.toLowerCase();
      let values = decoded.get(key);
      if (values === undefined) {
        values = rawValues(key).map(decodeWords);
        decoded.set(key, values);
      }
      return values;
    },
    body(transform: SieveBodyTransform) {
      const key = JSON.stringify(transform);
      let values = bodies.get(key);
      if (values === undefined) {
        body ??= new BodyReader(raw, parseMessage(raw).structure, opts?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        values = body.read(transform);
        bodies.set(key, values);
      }
      return values;
    },
  };
}
