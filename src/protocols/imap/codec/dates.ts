// IMAP dates (RFC 3501 §9): `date` for SEARCH ("1-Jan-2026", optionally quoted) and
// `date-time` for APPEND and INTERNALDATE ("05-Mar-2026 10:00:00 +0000"). Both are checked
// for real calendar values: "31-Feb-2026" is BAD, not March 3rd (IMAP-16: invalid APPEND
// parameters are BAD, never a loop or a silent fix-up).
import { bad } from "./codes.js";

export interface ImapDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
}

export interface ImapDateTime {
  /** The instant. */
  readonly date: Date;
  /** The zone the client wrote, in minutes east of UTC (kept so INTERNALDATE can echo it). */
  readonly offsetMinutes: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toUpperCase(), i + 1]));
const DATE = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;
const DATE_TIME = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

function calendarDate(day: string, month: string, year: string): ImapDate {
  const m = MONTH_INDEX.get(month.toUpperCase());
  const y = Number(year);
  const d = Number(day);
  if (m === undefined) throw bad("Invalid month");
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) throw bad("Invalid day of month");
  return { year: y, month: m, day: d };
}

/** date (RFC 3501 §9): "1-Jan-2026"; quotes are removed by the caller's argText. */
export function parseImapDate(text: string): ImapDate {
  const m = DATE.exec(text);
  if (m === null) throw bad("Invalid date");
  return calendarDate(m[1]!, m[2]!, m[3]!);
}

/** date-time (RFC 3501 §9): "05-Mar-2026 10:00:00 +0000" (day may be " 5"). */
export function parseImapDateTime(text: string): ImapDateTime {
  const m = DATE_TIME.exec(text);
  if (m === null) throw bad("Invalid date-time");
  const { year, month, day } = calendarDate(m[1]!, m[2]!, m[3]!);
  const [hour, minute, second, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [number, number, number, number, number];
  // Leap seconds (":60") are refused like any other out-of-range field.
  if (hour > 23 || minute > 59 || second > 59 || zh > 23 || zm > 59) throw bad("Invalid date-time");
  const offsetMinutes = (m[7] === "-" ? -1 : 1) * (zh * 60 + zm);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000);
  return { date, offsetMinutes };
}

/** The calendar date a SEARCH key compares against, as a sortable number (RFC 3501 §6.4.4). */
export function dateKey(date: ImapDate): number {
  return date.year * 10000 + date.month * 100 + date.day;
}

/** The calendar day of an instant in a zone, for BEFORE/ON/SINCE (zone of the internal date). */
export function dateOf(instant: Date, offsetMinutes = 0): ImapDate {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** date-time as written in INTERNALDATE: "05-Mar-2026 10:00:00 +0000" (without quotes). */
export function formatImapDateTime(instant: Date, offsetMinutes = 0): string {
  const t = new Date(instant.getTime() + offsetMinutes * 60_000);
  const zone = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? "-" : "+";
  return (
    `${pad(t.getUTCDate())}-${MONTHS[t.getUTCMonth()]}-${pad(t.getUTCFullYear(), 4)} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${sign}${pad(Math.floor(zone / 60))}${pad(zone % 60)}`
  );
}
