// SASL pieces every protocol's AUTH shares (SMTP RFC 4954, POP3 RFC 5034, IMAP RFC 3501):
// base64 framing and PLAIN (RFC 4616). Decoding is strict: Node's Buffer.from(…, "base64")
// skips junk characters silently, which would let two different inputs decode to the same
// credentials; here anything but canonical base64 is refused.

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The base64 text as bytes, or null when it is not canonical base64. "" is the empty response. */
export function decodeBase64(text: string): Buffer | null {
  return base64Pattern.test(text) ? Buffer.from(text, "base64") : null;
}

export function encodeBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** Bytes as UTF-8 text (RFC 4616 §2: SASL names and passwords are UTF-8), or null. */
export function decodeUtf8(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

export interface PlainCredentials {
  /** The identity to act as; empty means "the same as authcid". */
  readonly authzid: string;
  readonly authcid: string;
  readonly password: string;
}

/** RFC 4616 §2: message = [authzid] NUL authcid NUL passwd. Null when malformed. */
export function decodePlain(bytes: Buffer): PlainCredentials | null {
  const text = decodeUtf8(bytes);
  if (text === null) return null;
  const parts = text.split("\0");
  if (parts.length !== 3) return null;
  const [authzid, authcid, password] = parts as [string, string, string];
  return { authzid, authcid, password };
}

/** RFC 4954 §4, RFC 5034 §4: a client response of "*" cancels the exchange. */
export const saslCancel = "*";
