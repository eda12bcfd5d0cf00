// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 esmtp-param). MAIL knows SIZE (RFC 1870),
// BODY (RFC 6152) and SMTPUTF8 (RFC 6531), the extensions we advertise; anything else, and
// any RCPT parameter (we advertise no DSN), is "555 5.5.4 parameters not recognized" (§4.1.1.11).

export interface MailParams {
  /** The client's declared message size (RFC 1870 §3), when it gave one. */
  readonly size: number | undefined;
  readonly body: "7BIT" | "8BITMIME";
  readonly smtpUtf8: boolean;
}

export type ParamsResult<T> =
  | { readonly ok: true; readonly value: T }
  /** 501 for a malformed parameter, 555 for one we do not know (RFC 5321 §4.1.1.11). */
  | { readonly ok: false; readonly code: 501 | 555; readonly message: string };

const keywordPattern = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** esmtp-value: 1*(%d33-60 / %d62-126), or UTF-8 under RFC 6531. */
// eslint-disable-next-line no-control-regex
const valuePattern = /^[^\x00-\x20=\x7f]+$/u;
/** RFC 1870 §3: size-value ::= 1*20DIGIT. */
const sizePattern = /^[0-9]{1,20}$/;

function split(params: readonly string[]): ParamsResult<Map<string, string | null>> {
  const map = new Map<string, string | null>();
  for (const param of params) {
    const eq = param.indexOf("=");
    const keyword = (eq < 0 ? param : param.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? null : param.slice(eq + 1);
    if (!keywordPattern.test(keyword) || (value !== null && !valuePattern.test(value))) {
      return { ok: false, code: 501, message: "Malformed parameter" };
    }
    if (map.has(keyword)) return { ok: false, code: 501, message: `Parameter ${keyword} given twice` };
    map.set(keyword, value);
  }
  return { ok: true, value: map };
}

/** `esmtp`: the client said EHLO; after HELO no extension parameter is valid. */
export function parseMailParams(params: readonly string[], esmtp: boolean): ParamsResult<MailParams> {
  const parsed = split(params);
  if (!parsed.ok) return parsed;
  let size: number | undefined;
  let body: MailParams["body"] = "7BIT";
  let smtpUtf8 = false;
  for (const [keyword, value] of parsed.value) {
    if (!esmtp) return { ok: false, code: 555, message: "Parameters need EHLO" };
    if (keyword === "SIZE") {
      if (value === null || !sizePattern.test(value)) return { ok: false, code: 501, message: "SIZE needs a number" };
      // Past 2^53 the number is imprecise but still far over any limit, which is all we ask of it.
      size = Number(value);
    } else if (keyword === "BODY") {
      const upper = value?.toUpperCase();
      if (upper !== "7BIT" && upper !== "8BITMIME") return { ok: false, code: 555, message: "BODY must be 7BIT or 8BITMIME" };
      body = upper;
    } else if (keyword === "SMTPUTF8") {
      if (value !== null) return { ok: false, code: 501, message: "SMTPUTF8 takes no value" };
      smtpUtf8 = true;
    } else {
      return { ok: false, code: 555, message: `Parameter ${keyword} not recognized` };
    }
  }
  return { ok: true, value: { size, body, smtpUtf8 } };
}

export function parseRcptParams(params: readonly string[]): ParamsResult<null> {
  const parsed = split(params);
  if (!parsed.ok) return parsed;
  const first = [...parsed.value.keys()][0];
  if (first !== undefined) return { ok: false, code: 555, message: `Parameter ${first} not recognized` };
  return { ok: true, value: null };
}
