// The Date header (RFC 5322 §3.3, with the obsolete forms of §4.3) as epoch milliseconds.
// Hand-written rather than Date.parse, whose accepted formats are implementation-defined:
// the value is stored, sorted on and searched (SEARCH SENTON, SORT DATE), so it must not
// change with the Node version.

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

// RFC 5322 §4.3 obs-zone; military zones are treated as -0000 ("unknown") as that section advises.
const ZONES: Record<string, number> = {
  ut: 0, gmt: 0, z: 0, utc: 0,
  edt: -4 * 60, est: -5 * 60, cdt: -5 * 60, cst: -6 * 60,
  mdt: -6 * 60, mst: -7 * 60, pdt: -7 * 60, pst: -8 * 60,
};

function stripComments(value: string): string {
  let out = "";
  let depth = 0;
  for (const c of value) {
    if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function zoneMinutes(zone: string | undefined): number | null {
  if (zone === undefined) return 0;
  const numeric = /^([+-])(\d\d)(\d\d)$/.exec(zone);
  if (numeric !== null) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
    return numeric[1] === "-" ? -minutes : minutes;
  }
  const named = ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  return /^[a-z]$/i.test(zone) ? 0 : null;
}

/** RFC 5322 §4.3: two-digit years below 50 are 20xx, others and three-digit years 19xx. */
function fullYear(year: string): number {
  const n = Number(year);
  if (year.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (year.length === 3) return 1900 + n;
  return n;
}

const DATE = /^(?:[a-z]{3,9}\s*,\s*)?(\d{1,2})\s*([a-z]{3,9})\s*(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?$/i;

/** Epoch milliseconds of a Date header value, or null when it does not parse. */
export function parseMailDate(value: string | null): number | null {
  return parseMailDateWithZone(value)?.ms ?? null;
}

/**
 * The same, with the zone the value was written in (minutes east of UTC): SEARCH SENTON and
 * its kin compare the date as written, "disregarding time and timezone" (RFC 3501 §6.4.4), so
 * "Sun, 25 Mar 2007 00:00:00 +0200" was sent on the 25th although it was the 24th in UTC.
 */
export function parseMailDateWithZone(value: string | null): { readonly ms: number; readonly offsetMinutes: number } | null {
  if (value === null || value.length > 200) return null;
  const m = DATE.exec(stripComments(value).replace(/\s+/g, " ").trim());
  if (m === null) return null;
  const [, day, monthName, year, hour, minute, second, zone] = m;
  const month = MONTHS.indexOf(monthName!.slice(0, 3).toLowerCase());
  const offset = zoneMinutes(zone);
  if (month < 0 || offset === null) return null;
  const [d, h, min, s] = [Number(day), Number(hour), Number(minute), Number(second ?? "0")];
  if (d < 1 || d > 31 || h > 23 || min > 59 || s > 60) return null;
  const ms = Date.UTC(fullYear(year!), month, d, h, min, Math.min(s, 59)) - offset * 60_000;
  return Number.isFinite(ms) ? { ms, offsetMinutes: offset } : null;
}
