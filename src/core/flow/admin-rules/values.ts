// The values an admin rule's condition compares against, checked when the rule is saved so a
// message never meets a pattern that cannot compile: sizes ("10M"), verdicts, directions,
// globs, and regular expressions limited to what cannot backtrack without end.

/** SPF, DKIM and DMARC results as mailauth and RFC 8601 name them; "none" for mail not from the internet. */
export const verdictValues = ["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"] as const;

/**
 * inbound: from outside the company to this domain; outbound: from this domain to outside;
 * internal: both ends inside the company; external: inbound or outbound.
 */
export const directionValues = ["inbound", "outbound", "internal", "external"] as const;
export type Direction = Exclude<(typeof directionValues)[number], "external">;

/** Longest pattern accepted: long enough for real filters, short enough to read and to run. */
export const maxRegexLength = 200;

const sizeUnits: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "250000", "500K", "10M", "1.5MB": bytes, or null when not a size. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? sizeUnits[m[2]!.toLowerCase()] : undefined;
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : null;
}

/** A finite decimal number ("5", "-1.5"), or null. */
export function parseScore(text: string): number | null {
  return /^-?\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : null;
}

/**
 * A glob ("*" any run of characters, "?" one) as an anchored, case-insensitive regular
 * expression. Consecutive stars collapse to one, so "****x" cannot make matching quadratic.
 */
export function globRegex(glob: string): RegExp {
  let out = "";
  for (const ch of glob.replace(/\*+/g, "*")) out += ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${out}$`, "iu");
}

/**
 * Why a regular expression is refused, or null when it is accepted. JavaScript's engine
 * backtracks, so a catastrophic pattern ("(a+)+$") can pin the process on one message. We
 * refuse what makes that possible instead of timing it out: patterns over 200 characters,
 * backreferences (\1, \k<name>), lookbehind, and a quantified group that itself contains an
 * unbounded quantifier or an alternation ("(a+)+", "(a|aa)*", "(\w*\s?)*"). What is left runs
 * in time polynomial in the text, and the text is capped (body text at 1 MiB).
 */
export function regexProblem(pattern: string): string | null {
  if (pattern.length === 0) return "the pattern is empty";
  if (pattern.length > maxRegexLength) return `the pattern is longer than ${maxRegexLength} characters`;
  try {
    new RegExp(pattern, "iu");
  } catch (err) {
    return `not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, "")})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "backreferences are not allowed";
  if (/\(\?<[=!]/.test(pattern)) return "lookbehind is not allowed";
  // Per open group: does it contain an unbounded quantifier or an alternation?
  const groups: Array<{ risky: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "(") groups.push({ risky: false });
    else if (ch === "|" && groups.length > 0) groups[groups.length - 1]!.risky = true;
    else if ((ch === "*" || ch === "+" || (ch === "{" && /^\{\d+,\d*\}/.test(pattern.slice(i)))) && groups.length > 0) {
      groups[groups.length - 1]!.risky = true;
    } else if (ch === ")") {
      const group = groups.pop();
      const next = pattern.slice(i + 1);
      const repeated = /^(?:[*+]|\{\d+,\d*\})/.test(next);
      if (group?.risky && repeated) return "a repeated group may not contain a repetition or alternation (e.g. (a+)+): it can take exponential time";
      // The group's content is now part of its parent.
      if (group?.risky && groups.length > 0) groups[groups.length - 1]!.risky = true;
    }
  }
  return null;
}

/** Header field names (RFC 5322 §3.6.8 ftext), for header:NAME and the header action. */
export const headerNamePattern = /^[!-9;-~]{1,64}$/;

/** Printable text: no control characters, so nothing a rule writes can start a new header line. */
export const printable = (text: string) => ![...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
