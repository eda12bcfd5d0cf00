// How one login event reads in an alert mail: its sentence, then the facts a person checks
// ("was that me?"): when, from where, which address, how, through whose network. The facts come
// from the event's detail as the detector wrote it (decision 0026); any it lacks are left out.
import { channels, type Channel } from "../../auth/types.js";
import type { LoginEvent } from "../../ports/login-events.js";
import { channelName, placeName } from "../anomalies/sentences.js";

/** "2026-11-26 12:00:00 UTC": one zone for every reader, said out loud. */
export const utc = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

const text = (detail: LoginEvent["detail"], key: string): string | undefined => {
  const value = detail[key];
  return typeof value === "string" && value !== "" ? value : undefined;
};

/** "Lagos, Nigeria", "Nigeria", or undefined when the login had no known place. */
export function placeOf(event: LoginEvent): string | undefined {
  const country = text(event.detail, "country");
  if (country === undefined) return undefined;
  return placeName({ country, region: null, city: text(event.detail, "city") ?? null }) ?? undefined;
}

/** The detector writes the channel's name ("IMAP"); a bare channel ("imap") reads the same. */
export function channelOf(event: LoginEvent): string | undefined {
  const channel = text(event.detail, "channel");
  return channel !== undefined && channels.includes(channel as Channel) ? channelName(channel as Channel) : channel;
}

function networkOf(event: LoginEvent): string | undefined {
  const org = text(event.detail, "asOrg");
  const asn = event.detail.asn;
  const number = typeof asn === "number" ? `AS${asn}` : undefined;
  if (org === undefined) return number;
  return number === undefined ? org : `${org} (${number})`;
}

/**
 * Folds a line only when it would break the 8bit body's limit of 998 octets a line (RFC 5322
 * 2.1.1), at spaces; mail readers wrap the rest for display, and an unbroken sentence stays
 * searchable. A word longer than the limit stays whole.
 */
export function wrap(line: string, maxOctets = 900): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of line.split(" ")) {
    if (current !== "" && Buffer.byteLength(`${current} ${word}`) > maxOctets) {
      out.push(current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  out.push(current);
  return out;
}

/** The facts of an event's login, indented under its sentence(s). */
function factLines(event: LoginEvent, opts: { readonly account?: boolean }): string[] {
  const facts: Array<[string, string | undefined]> = [
    ["Account", opts.account ? (event.identity ?? undefined) : undefined],
    ["Time", utc(event.firstAt)],
    ["Seen", event.occurrences > 1 ? `${event.occurrences} times, last at ${utc(event.lastAt)}` : undefined],
    ["Place", placeOf(event)],
    ["IP address", event.ip ?? undefined],
    ["Channel", channelOf(event)],
    ["Network", networkOf(event)],
  ];
  return facts.filter((f): f is [string, string] => f[1] !== undefined).map(([name, value]) => `  ${`${name}:`.padEnd(12)}${value}`);
}

/**
 * A mail's lines: the events of one login (several rules can find one sign-in unusual) as their
 * sentences over its facts, told once; each login's block apart from the next by a blank line.
 */
export function eventBlocks(events: readonly LoginEvent[], opts: { readonly account?: boolean } = {}): string[] {
  const logins = new Map<string, LoginEvent[]>();
  for (const e of events) {
    const key = e.loginRecordId === null ? `event:${e.id}` : `login:${e.loginRecordId}`;
    const same = logins.get(key);
    if (same) same.push(e);
    else logins.set(key, [e]);
  }
  return [...logins.values()].flatMap((same, i) => [...(i > 0 ? [""] : []), ...same.flatMap((e) => wrap(e.summary)), ...factLines(same[0]!, opts)]);
}
