// An account's learned login profile (issue 8 item 2, decision 0026): one JSON document per
// account, read before the rules run on a successful login and written back after it has learnt
// that login. One document rather than rows per place: a login costs one read by primary key
// and at most one write, whatever the rules look at.
//
// Bounded: at most `maxEntries` countries, cities and networks each; past that the one used
// least recently (then on fewest days) is forgotten, so a roaming account's document stays a
// few kilobytes. Checked with zod on read: a document of another shape (a bug, a hand edit, a
// later version) starts afresh — the account learns again — rather than failing logins' rules.
import { z } from "zod";
import { channels, type Channel } from "../../auth/types.js";
import type { LoginObservation } from "./types.js";

export const maxEntries = 50;
const dayMs = 86_400_000;

/** The UTC day a time falls on: "distinct days" of familiarity are counted in these. */
export const dayOf = (at: number): number => Math.floor(at / dayMs);

const seen = z.object({
  /** Distinct UTC days with a successful login from it. */
  days: z.number().int().min(1),
  /** The first successful login from it (epoch ms): one seen while the account was learning is familiar. */
  firstAt: z.number(),
  /** The last of those days (dayOf). */
  lastDay: z.number().int(),
});
export type Seen = z.output<typeof seen>;

const place = z.object({
  at: z.number(),
  country: z.string(),
  region: z.string().nullable(),
  city: z.string().nullable(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
export type LastPlace = z.output<typeof place>;

export const profileSchema = z.object({
  v: z.literal(1),
  /** The first successful login seen (learning runs from here); null: none yet. */
  firstAt: z.number().nullable(),
  /** By ISO country code. */
  countries: z.record(z.string(), seen),
  /** By cityKey(): country, region and city (the same city name exists in many places). */
  cities: z.record(z.string(), seen),
  /** By AS number. */
  networks: z.record(z.string(), seen),
  /** The last successful login on each channel (epoch ms; refreshed at most every touchMs). */
  channels: z.partialRecord(z.enum(channels as [Channel, ...Channel[]]), z.number()),
  /** The last successful login with coordinates: where impossible travel measures from. */
  last: place.nullable(),
});
export type LoginProfile = z.output<typeof profileSchema>;

export const emptyProfile = (): LoginProfile => ({ v: 1, firstAt: null, countries: {}, cities: {}, networks: {}, channels: {}, last: null });

/** The stored document as a profile, or a fresh one when there is none or it does not read. */
export function readProfile(data: unknown): { readonly profile: LoginProfile; readonly unreadable: boolean } {
  if (data === undefined) return { profile: emptyProfile(), unreadable: false };
  const parsed = profileSchema.safeParse(data);
  return parsed.success ? { profile: parsed.data, unreadable: false } : { profile: emptyProfile(), unreadable: true };
}

export const cityKey = (country: string, region: string | null, city: string): string => `${country}|${region ?? ""}|${city}`;

const has = <V>(map: Record<string, V>, key: string): V | undefined => (Object.hasOwn(map, key) ? map[key] : undefined);
export const seenOf = (map: Record<string, Seen>, key: string): Seen | undefined => has(map, key);

/** Counts the day of `at` for `key`; true when the map changed (a new key or a new day). */
function count(map: Record<string, Seen>, key: string, at: number): boolean {
  const day = dayOf(at);
  const entry = has(map, key);
  if (entry) {
    if (day <= entry.lastDay) return false;
    map[key] = { days: entry.days + 1, firstAt: entry.firstAt, lastDay: day };
    return true;
  }
  map[key] = { days: 1, firstAt: at, lastDay: day };
  forgetPastLimit(map);
  return true;
}

/** Drops the least recently used entry (then the one used on fewest days) past maxEntries. */
function forgetPastLimit(map: Record<string, Seen>): void {
  const keys = Object.keys(map);
  if (keys.length <= maxEntries) return;
  let oldest = keys[0]!;
  for (const key of keys) {
    const a = map[key]!;
    const b = map[oldest]!;
    if (a.lastDay < b.lastDay || (a.lastDay === b.lastDay && a.days < b.days)) oldest = key;
  }
  delete map[oldest];
}

/**
 * Learns a successful login into the profile (in place); true when the document changed and
 * so needs writing. Day counts change at most once a day per place; the last-login times of a
 * channel and of an unchanged place only once `touchMs` has passed since the stored one, so an
 * IMAP client polling every minute from one place writes every few minutes, not every login.
 */
export function learn(profile: LoginProfile, observation: LoginObservation, touchMs: number): boolean {
  const { record, coordinates } = observation;
  const { at } = record;
  let changed = false;
  if (profile.firstAt === null) {
    profile.firstAt = at;
    changed = true;
  }
  if (record.country !== null) {
    changed = count(profile.countries, record.country, at) || changed;
    if (record.city !== null) changed = count(profile.cities, cityKey(record.country, record.region, record.city), at) || changed;
  }
  if (record.asn !== null) changed = count(profile.networks, String(record.asn), at) || changed;
  const channelAt = profile.channels[record.channel];
  if (channelAt === undefined || at - channelAt >= touchMs) {
    profile.channels[record.channel] = at;
    changed = true;
  }
  if (coordinates !== null && record.country !== null) {
    const last = profile.last;
    const samePlace = last !== null && last.latitude === coordinates.latitude && last.longitude === coordinates.longitude;
    // An older login arriving late never moves the last place back.
    if (last === null || (at >= last.at && (!samePlace || at - last.at >= touchMs))) {
      profile.last = { at, country: record.country, region: record.region, city: record.city, latitude: coordinates.latitude, longitude: coordinates.longitude };
      changed = true;
    }
  }
  return changed;
}
