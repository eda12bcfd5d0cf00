// Comparators (RFC 4790 via RFC 5228 §2.7.3) and match types (RFC 5228 §2.7.1, RFC 5231):
// i;octet compares code points, i;ascii-casemap folds ASCII letters only, i;ascii-numeric
// compares the leading digits as a number (a string without one is "positive infinity").
// :matches is a glob of "*" and "?" with "\" escaping, run by a two-pointer scan rather than a
// regular expression, so a hostile pattern costs at most pattern × value steps.
import type { ComparatorName, Match, RelationalOp } from "./program.js";

const notPlainAscii = /[^\t\n\r -~]/;

function foldAscii(s: string): string {
  // toUpperCase folds beyond ASCII too ("é" → "É"): it serves only plain ASCII text.
  return !notPlainAscii.test(s) ? s.toUpperCase() : s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

function prepare(comparator: ComparatorName, s: string): string {
  return comparator === "i;ascii-casemap" ? foldAscii(s) : s;
}

/** RFC 4790 §9.1.1: the value of the leading digits; null stands for positive infinity. */
function numericValue(s: string): bigint | null {
  const digits = /^[0-9]+/.exec(s)?.[0];
  return digits === undefined ? null : BigInt(digits);
}

/** -1, 0 or 1 as the comparator orders a against b. */
export function compareValues(comparator: ComparatorName, a: string, b: string): number {
  if (comparator === "i;ascii-numeric") {
    const [x, y] = [numericValue(a), numericValue(b)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // UTF-8 byte order is code point order, which is what "octet" means for our strings.
  return Math.sign(Buffer.compare(Buffer.from(prepare(comparator, a)), Buffer.from(prepare(comparator, b))));
}

function relation(op: RelationalOp, order: number): boolean {
  switch (op) {
    case "gt": return order > 0;
    case "ge": return order >= 0;
    case "lt": return order < 0;
    case "le": return order <= 0;
    case "eq": return order === 0;
    case "ne": return order !== 0;
  }
}

/** RFC 5228 §2.7.1 :matches over code points. */
export function globMatch(pattern: string, value: string): boolean {
  // The pattern as items: a literal code point, or a wildcard.
  const items: (string | { wild: "*" | "?" })[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "\\" && i + 1 < chars.length) items.push(chars[++i]!);
    else if (c === "*" || c === "?") items.push({ wild: c });
    else items.push(c);
  }
  const text = Array.from(value);
  let [p, t, starP, starT] = [0, 0, -1, -1];
  while (t < text.length) {
    const item = items[p];
    if (item !== undefined && typeof item === "object" && item.wild === "*") {
      [starP, starT] = [p++, t];
    } else if (item !== undefined && (typeof item === "object" || item === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (p < items.length && typeof items[p] === "object" && (items[p] as { wild: string }).wild === "*") p++;
  return p === items.length;
}

function matchOne(match: Match, value: string, key: string): boolean {
  const { comparator, type } = match;
  switch (type.kind) {
    case "is":
      // Equal text is equal bytes: only i;ascii-numeric needs the comparison proper.
      return comparator === "i;ascii-numeric" ? compareValues(comparator, value, key) === 0 : prepare(comparator, value) === prepare(comparator, key);
    case "contains":
      return prepare(comparator, value).includes(prepare(comparator, key));
    case "matches":
      return globMatch(prepare(comparator, key), prepare(comparator, value));
    case "value":
      return relation(type.op, compareValues(comparator, value, key));
    case "count":
      return false; // counted over all values in matchValues
  }
}

/**
 * Whether the values satisfy the match: any value against any key, or for :count the number
 * of values (as a decimal string, RFC 5231 §4.2) against any key.
 */
export function matchValues(match: Match, values: readonly string[]): boolean {
  if (match.type.kind === "count") {
    const { op } = match.type;
    const count = String(values.length);
    return match.keys.some((key) => relation(op, compareValues(match.comparator, count, key)));
  }
  return values.some((value) => match.keys.some((key) => matchOne(match, value, key)));
}
