// Sequence sets (RFC 3501 §9 sequence-set; RFC 5182 "$" for SEARCHRES) and their compact
// wire form for UID lists (RFC 4315 uid-set). Numbers are nz-number: 1..2^32-1, so "0",
// "4294967296" and "1:0x" are BAD (test plan IMAP-15). "*" is the largest number in use and
// ranges may be written backwards ("*:5" = "5:*"). Queries clamp to the current view, and
// expansion is capped, so "1:4294967295" never allocates four billion entries.
import { bad } from "./codes.js";
import { MAX_NUMBER } from "./args.js";

export type SeqNumber = number | "*";
export type SeqRange = readonly [SeqNumber, SeqNumber];

const ELEMENT = /^(\d+|\*)(?::(\d+|\*))?$/;
/** The most numbers expand() hands out; the session uses ranges for anything larger. */
export const MAX_EXPANSION = 1_000_000;

function seqNumber(text: string): SeqNumber {
  if (text === "*") return "*";
  // Leading zeros are tolerated (Dovecot does) but the value must be an nz-number.
  const value = text.length > 10 ? Infinity : Number(text);
  if (value < 1 || value > MAX_NUMBER) throw bad(`Invalid sequence number ${text.slice(0, 20)}`);
  return value;
}

function resolve(n: SeqNumber, max: number): number {
  return n === "*" ? max : n;
}

export class SequenceSet {
  /** `searchRes`: the set is "$", the saved search result (RFC 5182 §2.1). */
  constructor(
    readonly ranges: readonly SeqRange[],
    readonly searchRes = false,
  ) {}

  /** Whether n (1-based) is in the set when the largest number in use is `max`. */
  contains(n: number, max: number): boolean {
    if (n < 1) return false;
    return this.ranges.some(([a, b]) => {
      const x = resolve(a, max);
      const y = resolve(b, max);
      return n >= Math.min(x, y) && n <= Math.max(x, y);
    });
  }

  /** Sorted, merged [from, to] ranges clamped to 1..max (Stalwart's "clamp to the view"). */
  clamp(max: number): [number, number][] {
    const spans = this.ranges
      .map(([a, b]): [number, number] => {
        const x = resolve(a, max);
        const y = resolve(b, max);
        return [Math.max(1, Math.min(x, y)), Math.min(max, Math.max(x, y))];
      })
      .filter(([from, to]) => from <= to)
      .sort((p, q) => p[0] - q[0]);
    const merged: [number, number][] = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last !== undefined && span[0] <= last[1] + 1) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }

  /** The numbers of the set within 1..max, sorted; throws past `cap` numbers. */
  expand(max: number, cap = MAX_EXPANSION): number[] {
    const spans = this.clamp(max);
    const count = spans.reduce((sum, [from, to]) => sum + to - from + 1, 0);
    if (count > cap) throw bad("Sequence set too large", { code: "LIMIT" });
    const out: number[] = [];
    for (const [from, to] of spans) for (let n = from; n <= to; n++) out.push(n);
    return out;
  }
}

/** A sequence-set (or "$" when `allowSearchRes`); throws ImapParseError (BAD) when malformed. */
export function parseSequenceSet(text: string, allowSearchRes = true): SequenceSet {
  if (text === "$") {
    if (!allowSearchRes) throw bad("Saved search result not allowed here");
    return new SequenceSet([], true);
  }
  const ranges: SeqRange[] = [];
  for (const element of text.split(",")) {
    const m = ELEMENT.exec(element);
    if (m === null) throw bad(`Invalid sequence set "${text.slice(0, 40)}"`);
    const from = seqNumber(m[1]!);
    ranges.push([from, m[2] === undefined ? from : seqNumber(m[2])]);
  }
  return new SequenceSet(ranges);
}

/** Whether an atom looks like a sequence set (SEARCH tells keys from sets this way). */
export function isSequenceSetText(text: string): boolean {
  return text === "$" || /^[\d*][\d*:,]*$/.test(text);
}

/** A compact uid-set for a list of numbers: [1,2,3,7] → "1:3,7" (sorted, duplicates merged). */
export function formatSequenceSet(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * Numbers in the order given, runs written as ranges: COPYUID needs the source and destination
 * sets to pair up element by element (RFC 4315 §3), so these are not sorted.
 */
export function formatOrderedSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
