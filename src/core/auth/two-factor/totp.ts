// TOTP (RFC 6238) as every authenticator app reads it: HMAC-SHA1, 6 digits, 30-second steps,
// a 160-bit secret (RFC 4226 §4 recommends 160). A code is checked against the step before, the
// current one and the one after (±30 s of clock drift, RFC 6238 §5.2), and the step it matched
// is returned so the caller can accept each step only once per account.
import { Secret, TOTP } from "otpauth";
import { loadOnFirstUse } from "../../../shared/load-on-first-use.js";

export const totpPeriodSeconds = 30;
export const totpDigits = 6;
/** Steps either side of now that still match: one, as RFC 6238 §5.2 recommends at most. */
export const totpWindow = 1;
const secretBytes = 20;

const qrcode = loadOnFirstUse(() => import("qrcode"));

export function newTotpSecret(): string {
  return new Secret({ size: secretBytes }).base32;
}

function totpOf(base32: string, label = "", issuer = ""): TOTP {
  return new TOTP({ issuer, label, algorithm: "SHA1", digits: totpDigits, period: totpPeriodSeconds, secret: Secret.fromBase32(base32) });
}

/** The time step a moment falls in (RFC 6238 §4.2: T = floor((now - T0) / X)). */
export const totpStep = (now: number): number => Math.floor(now / 1000 / totpPeriodSeconds);

/** The code for a moment (tests and the enrolment check use it). */
export function totpCode(base32: string, now: number): string {
  return totpOf(base32).generate({ timestamp: now });
}

/** Digits only, spaces ignored ("123 456"); null when it cannot be a code. */
export function normaliseTotpCode(input: string): string | null {
  const code = input.replace(/\s/g, "");
  return new RegExp(`^\\d{${totpDigits}}$`).test(code) ? code : null;
}

/** The step the code matches within the window, or null. */
export function matchTotp(base32: string, input: string, now: number): number | null {
  const code = normaliseTotpCode(input);
  if (code === null) return null;
  const delta = totpOf(base32).validate({ token: code, timestamp: now, window: totpWindow });
  return delta === null ? null : totpStep(now) + delta;
}

export interface TotpEnrolment {
  /** Base32, for typing into an app that cannot scan. */
  readonly secret: string;
  /** otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
  readonly uri: string;
  /** The URI as a QR code, an SVG document. */
  readonly qrSvg: string;
  /** The same QR code as a PNG data: URL, for an <img>. */
  readonly qrDataUrl: string;
}

export async function totpEnrolment(base32: string, account: string, issuer: string): Promise<TotpEnrolment> {
  const uri = totpOf(base32, account, issuer).toString();
  const { default: QRCode } = await qrcode();
  const [qrSvg, qrDataUrl] = await Promise.all([QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M" }), QRCode.toDataURL(uri, { errorCorrectionLevel: "M" })]);
  return { secret: base32, uri, qrSvg, qrDataUrl };
}
