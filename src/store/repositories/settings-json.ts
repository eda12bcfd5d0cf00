// Settings JSON as read on every message (mail-flow settings: per RCPT TO, per stage). Equal
// text parses to one shared, frozen object, so core can also keep what it validated from it
// (core/settings.ts) instead of running the schema again: a changed setting is different text,
// hence a different object, and needs no invalidation — even when another process (the `moat`
// command) wrote it.
//
// Kept by length, then compared whole: each read brings a new string from the driver, and a
// Map keyed by the text would hash all of it every time — a domain's settings with twenty
// filter rules are 4 KB, read twice or more per message (a tenth of what the rules cost a
// delivery, bench/smtp/flow-instructions.sh). Comparing with the one or two kept texts of the
// same length stops at the first difference and reads equal text at memory speed.
import { deepFreeze } from "../../shared/frozen.js";

const maxEntries = 1000;

interface Entry {
  readonly text: string;
  readonly value: unknown;
}

const byLength = new Map<number, Entry[]>();
/** Every entry, oldest first: settings change rarely, so the live ones stay. */
const order: Entry[] = [];

export function settingsJson(text: string): unknown {
  const sameLength = byLength.get(text.length);
  const kept = sameLength?.find((e) => e.text === text);
  if (kept !== undefined) return kept.value;
  const entry: Entry = { text, value: deepFreeze(JSON.parse(text) as unknown) };
  if (order.length >= maxEntries) forget(order.shift()!);
  order.push(entry);
  if (sameLength) sameLength.push(entry);
  else byLength.set(text.length, [entry]);
  return entry.value;
}

function forget(entry: Entry): void {
  const bucket = byLength.get(entry.text.length)!;
  bucket.splice(bucket.indexOf(entry), 1);
  if (bucket.length === 0) byLength.delete(entry.text.length);
}
