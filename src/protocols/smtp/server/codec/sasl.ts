// SASL for SMTP AUTH (RFC 4954): the shared base64 and PLAIN codec (protocols/net/sasl.ts)
// plus LOGIN (the draft-murchison-sasl-login mechanism every mail client still offers).
// RFC 4954 §4: "501" for a response that cannot be decoded.
import { encodeBase64 } from "../../../net/sasl.js";

export { decodeBase64, decodePlain, decodeUtf8, encodeBase64, saslCancel, type PlainCredentials } from "../../../net/sasl.js";

/** The LOGIN mechanism's two prompts, base64 of "Username:" and "Password:". */
export const loginPrompts = { username: encodeBase64("Username:"), password: encodeBase64("Password:") } as const;
