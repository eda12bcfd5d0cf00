// IMAP flags as imap4flags handles them (RFC 5232 §2-3): a string may hold several flags
// separated by spaces; flag names compare case-insensitively; a system flag is written in its
// canonical case; a name that is not a valid IMAP flag (RFC 3501 §9 flag-keyword, or a
// system flag other than the five that may be set) is ignored, as §5 allows.

const SYSTEM_FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];
const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));
// RFC 3501 atom: any CHAR except atom-specials "(){ %*\"\\]" and controls.
// eslint-disable-next-line no-control-regex
const KEYWORD = /^[^\x00-\x20\x7f(){%*"\\\]]+$/;

/** The canonical spelling of a flag, or null when it is not one that can be set. */
export function canonicalFlag(name: string): string | null {
  if (name.startsWith("\\")) return SYSTEM_BY_LOWER.get(name.toLowerCase()) ?? null;
  return KEYWORD.test(name) ? name : null;
}

/** The flags of a list of strings, each split at blanks, invalid ones dropped, no duplicates. */
export function flagList(strings: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of strings) for (const name of s.split(/\s+/)) addFlag(out, name);
  return out;
}

/** Adds one flag unless it is invalid or already there (case-insensitively). */
export function addFlag(set: string[], name: string): void {
  const flag = canonicalFlag(name);
  if (flag === null) return;
  const lower = flag.toLowerCase();
  if (!set.some((f) => f.toLowerCase() === lower)) set.push(flag);
}

/** The set without the named flags (compared case-insensitively). */
export function removeFlags(set: readonly string[], names: readonly string[]): string[] {
  const drop = new Set(flagList(names).map((f) => f.toLowerCase()));
  return set.filter((f) => !drop.has(f.toLowerCase()));
}

/** The union of two flag lists, first list's spelling kept. */
export function unionFlags(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const f of b) addFlag(out, f);
  return out;
}
