// The words a password may not contain (issue 6, item 5), apart from the strength estimate so
// that authenticate() can check them at each login without loading zxcvbn's dictionaries: the
// account's own name and domain, and the domain's forbidden keywords, plain words matched
// through the substitutions people use to dodge them, or regular expressions.

export interface PasswordSubject {
  readonly address: string;
  readonly displayName: string;
}

/**
 * Substitutions folded to one letter, for the keyword comparison only: 0→o, 1/!/|→i (and l, so
 * "1" catches both), @/4→a, $/5→s, 3→e, 7/+→t, 8→b, 9→g. Both sides are folded.
 */
const folds: Record<string, string> = { "0": "o", "1": "i", l: "i", "!": "i", "|": "i", "@": "a", "4": "a", $: "s", "5": "s", "3": "e", "7": "t", "+": "t", "8": "b", "9": "g" };
export const fold = (text: string): string => [...text.normalize("NFKC").toLowerCase()].map((c) => folds[c] ?? c).join("");

/** The words of the account and domain that a password may not contain (at least 3 letters each). */
export function ownWords(subject: PasswordSubject): string[] {
  const [local = "", domain = ""] = subject.address.split("@");
  const labels = domain.split(".").slice(0, -1); // "example" of example.com, not "com"
  const words = [local, domain, ...labels, ...local.split(/[^\p{L}\p{N}]+/u), ...subject.displayName.split(/[^\p{L}\p{N}]+/u)];
  return [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3))];
}

function keywordHit(password: string, folded: string, keyword: string): boolean {
  const regex = /^\/(.+)\/$/.exec(keyword);
  if (regex) return new RegExp(regex[1]!, "iu").test(password);
  return folded.includes(fold(keyword));
}

/** The forbidden words the password contains: the account's own, then the domain's keywords. */
export function forbiddenWords(password: string, keywords: readonly string[], subject: PasswordSubject): { own: string | undefined; keywords: string[] } {
  const folded = fold(password);
  return { own: ownWords(subject).find((w) => folded.includes(fold(w))), keywords: keywords.filter((k) => keywordHit(password, folded, k)) };
}

const day = 86_400_000;

/**
 * Step 7 of authenticate(), for a main password that just verified: whether it must be changed
 * before anything else — it now contains a forbidden word (keywords change after passwords are
 * set), or it is older than the domain's maximum age. Null when it may be used.
 */
export function passwordStale(
  policy: { readonly on: boolean; readonly keywords: readonly string[]; readonly maxAgeDays: number; readonly maxAgeExempt: readonly string[] },
  subject: PasswordSubject,
  password: string,
  changedAt: number,
  now: number,
): "password_change_required" | "password_expired" | null {
  if (!policy.on) return null;
  const words = forbiddenWords(password, policy.keywords, subject);
  if (words.own !== undefined || words.keywords.length > 0) return "password_change_required";
  if (policy.maxAgeDays > 0 && !policy.maxAgeExempt.includes(subject.address) && changedAt + policy.maxAgeDays * day <= now) return "password_expired";
  return null;
}
