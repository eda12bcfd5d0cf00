// Settings JSON as read on every message (mail-flow settings: per RCPT TO, per stage). Equal
// text parses to one shared, frozen object, so core can also keep what it validated from it
// (core/settings.ts) instead of running the schema again: a changed setting is different text,
// hence a different object, and needs no invalidation — even when another process (the `moat`
// command) wrote it.
import { deepFreeze } from "../../shared/frozen.js";

const maxEntries = 1000;
const parsed = new Map<string, unknown>();

export function settingsJson(text: string): unknown {
  let value = parsed.get(text);
  if (value === undefined) {
    value = deepFreeze(JSON.parse(text) as unknown);
    // Oldest first out: settings change rarely, so the live ones stay.
    if (parsed.size >= maxEntries) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, value);
  }
  return value;
}
