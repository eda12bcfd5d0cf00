// Phone numbers in E.164 (ITU-T E.164: "+", a country code, at most 15 digits): the one form
// stored, compared, rate-limited and sent to the gateway, whatever the user typed around it.
import { MoatError } from "../../../shared/errors.js";

/** "+49 (151) 1234-5678", "0049 151 12345678" → "+4915112345678"; anything else is refused. */
export function normalisePhoneNumber(input: string): string {
  const compact = input.trim().replace(/[ \u00a0().\-/]/g, "");
  const international = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  // The first digit is a country code, never 0; 8 digits is the shortest real subscriber number with its country code.
  if (!/^\+[1-9]\d{7,14}$/.test(international)) {
    throw new MoatError("invalid_input", `${JSON.stringify(input.slice(0, 40))} is not a phone number in international form (e.g. +4915112345678)`);
  }
  return international;
}

/** For a user's screen: "+49 ••• ••• •78", enough to recognise one's own number. */
export function maskPhoneNumber(number: string): string {
  return `${number.slice(0, 3)}${"•".repeat(Math.max(0, number.length - 5))}${number.slice(-2)}`;
}
