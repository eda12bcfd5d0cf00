// Words for people (issue 8 item 2): the names of countries and channels and the one-sentence
// summary of each rule's event, as the account's user and its admins read them in alert mails
// and listings. Country names come from ICU (Intl.DisplayNames), not a table of our own.
import type { Channel, LoginRecord } from "../../auth/types.js";

let regions: Intl.DisplayNames | undefined;

/** "Nigeria" for "NG"; the code itself when ICU knows no name for it. */
export function countryName(code: string): string {
  regions ??= new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}

const channelNames: Record<Channel, string> = { imap: "IMAP", pop3: "POP3", smtp: "SMTP", web: "web", api: "API" };
/** IMAP, POP3, SMTP, web, API. */
export const channelName = (channel: Channel): string => channelNames[channel];

const viaNames: Record<Channel, string> = { imap: "via IMAP", pop3: "via POP3", smtp: "via SMTP", web: "on the web", api: "through the API" };
const via = (channel: Channel) => viaNames[channel];

type Placed = Pick<LoginRecord, "country" | "region" | "city">;

/** "Lagos, Nigeria", "Russia", or null when the address has no place. */
export function placeName(place: Placed): string | null {
  if (place.country === null) return null;
  return place.city !== null ? `${place.city}, ${countryName(place.country)}` : countryName(place.country);
}

/** "from Lagos, Nigeria", or "from 10.1.2.3" when the address has no place. */
const from = (r: LoginRecord) => `from ${placeName(r) ?? r.ip}`;
/** " (SWIFT NETWORKS LIMITED)" when the network's operator is known. */
const operator = (r: LoginRecord) => (r.asOrg !== null ? ` (${r.asOrg})` : "");
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** "40 minutes", "3 hours", "2 days": rounded the way people say it. */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 120) return plural(minutes, "minute");
  const hours = Math.round(minutes / 60);
  return hours < 48 ? plural(hours, "hour") : plural(Math.round(hours / 24), "day");
}

export const sentences = {
  unfamiliarCountry: (r: LoginRecord, before: boolean) =>
    `New sign-in to ${r.identity} ${from(r)} ${via(r.channel)}${operator(r)}, a country this account has ${before ? "rarely used" : "not used before"}.`,
  unfamiliarCity: (r: LoginRecord, before: boolean) =>
    `New sign-in to ${r.identity} ${from(r)} ${via(r.channel)}${operator(r)}, a city this account has ${before ? "rarely used" : "not used before"}.`,
  newNetwork: (r: LoginRecord) =>
    `Sign-in to ${r.identity} ${from(r)} ${via(r.channel)} over a network this account has not used before: ${r.asOrg ?? "unnamed"} (AS${r.asn}).`,
  impossibleTravel: (r: LoginRecord, km: number, previous: string, elapsedMs: number) =>
    `Sign-in to ${r.identity} ${from(r)} ${via(r.channel)}, ${plural(Math.round(km), "km", "km")} from the sign-in ${duration(elapsedMs)} earlier in ${previous}: farther than anyone can travel in that time.`,
  unusedChannel: (r: LoginRecord, days: number | null) =>
    `Sign-in to ${r.identity} ${via(r.channel)} ${from(r)}, ${days === null ? "a way this account had never signed in before" : `a way this account had not signed in for ${plural(days, "day")}`}.`,
  successAfterFailures: (r: LoginRecord, failures: number, windowMs: number) =>
    `Successful sign-in to ${r.identity} ${from(r)} ${via(r.channel)} after ${plural(failures, "failed attempt")} in the ${duration(windowMs)} before.`,
  unexpectedCountry: (r: LoginRecord) => `Sign-in to ${r.identity} ${from(r)} ${via(r.channel)}${operator(r)}, a country this domain does not expect sign-ins from.`,
  accountBurst: (name: string, failures: number, windowMs: number, last: LoginRecord) =>
    `${plural(failures, "failed sign-in attempt")} on ${name} within ${duration(windowMs)}, the last ${from(last)} ${via(last.channel)}.`,
  ipBurst: (ip: string, place: string | null, failures: number, names: number, windowMs: number) =>
    `${plural(failures, "failed sign-in attempt")} from ${ip}${place !== null ? ` (${place})` : ""} within ${duration(windowMs)}, on ${plural(names, "account name")}.`,
};
