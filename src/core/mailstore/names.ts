// Minimal checks on mailbox names and flags. The IMAP codec validates syntax (and decodes
// modified UTF-7); this keeps what every channel must agree on: one spelling of INBOX, one
// hierarchy separator, and flags that survive being stored space-separated.
import { MoatError } from "../../shared/errors.js";

export const separator = "/";

/** Long enough for deep folder trees, short enough that a LIST line stays reasonable. */
const maxNameLength = 512;

/**
 * The stored spelling of a mailbox name. INBOX is case-insensitive (RFC 3501 §5.1), also as
 * the first level of a child ("inbox/x" is "INBOX/x"). One trailing separator is dropped:
 * "CREATE foo/" names foo as a future parent (RFC 3501 §6.3.3).
 */
export function mailboxName(raw: string): string {
  let name = raw.endsWith(separator) ? raw.slice(0, -1) : raw;
  const parts = name.split(separator);
  if (name.length === 0 || name.length > maxNameLength || parts.some((p) => p.length === 0)) {
    throw new MoatError("invalid_input", "invalid mailbox name");
  }
  // Control characters break protocol lines; % and * are LIST wildcards, so a mailbox named
  // with them could never be listed by itself.
  if (hasControl(name) || /[%*]/.test(name)) throw new MoatError("invalid_input", "invalid mailbox name");
  if (parts[0]!.toUpperCase() === "INBOX") name = ["INBOX", ...parts.slice(1)].join(separator);
  return name;
}

/** C0 controls and DEL, which would break a protocol line. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** "a/b/c" → ["a", "a/b"]: the superior names CREATE makes when missing (RFC 3501 §6.3.3). */
export function parentsOf(name: string): string[] {
  const parts = name.split(separator);
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join(separator));
}

export function isInside(name: string, ancestor: string): boolean {
  return name.startsWith(ancestor + separator);
}

const systemFlags = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];
const systemByLower = new Map(systemFlags.map((f) => [f.toLowerCase(), f]));

/**
 * System flags in their RFC 3501 spelling, keywords as given, each once (flags and keywords
 * compare case-insensitively). \Recent is a session flag, never stored (RFC 3501 §2.3.2).
 */
export function cleanFlags(flags: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const flag of flags) {
    if (flag.length === 0 || hasControl(flag) || /\s/.test(flag)) throw new MoatError("invalid_input", "invalid flag");
    const lower = flag.toLowerCase();
    if (lower === "\\recent") continue;
    if (!out.has(lower)) out.set(lower, systemByLower.get(lower) ?? flag);
  }
  return [...out.values()];
}

export type FlagMode = "add" | "remove" | "replace";

/** The flags after a STORE; `change` is already cleaned. */
export function applyFlags(current: readonly string[], mode: FlagMode, change: readonly string[]): string[] {
  if (mode === "replace") return [...change];
  const lowered = new Set(change.map((f) => f.toLowerCase()));
  if (mode === "remove") return current.filter((f) => !lowered.has(f.toLowerCase()));
  return cleanFlags([...current, ...change]);
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a.map((f) => f.toLowerCase()));
  return a.length === b.length && b.every((f) => set.has(f.toLowerCase()));
}

export function hasFlag(flags: readonly string[], flag: string): boolean {
  return flags.some((f) => f.toLowerCase() === flag.toLowerCase());
}
