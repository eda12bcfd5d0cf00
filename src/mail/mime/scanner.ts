// Finding multipart boundary lines (RFC 2046 §5.1.1) in one forward pass, and counting line
// feeds on the way so every part's line count costs nothing extra. Matching follows Dovecot:
// a line matches when it starts with "--" and a boundary of any open multipart, the longest
// such boundary wins and, between equal ones, the innermost (so a nested multipart that
// reuses its parent's boundary still parses). Positions only move forward, so indexing is
// linear in the message size whatever its shape.
import { newlineBefore } from "./header-block.js";

const LF = 0x0a;
const DASH = 0x2d;
const NL_DASHES = Buffer.from("\n--", "latin1");

// The boundaries of the open multiparts, as a trie over their bytes. A line is matched by
// walking its bytes once, so the cost of a "--" line is bounded by its own length however many
// multiparts are open; comparing every line with each of 100 nested boundaries in turn is the
// kind of constant an attacker multiplies by millions of short lines.

interface TrieNode {
  readonly parent: TrieNode | null;
  readonly byte: number;
  children: Map<number, TrieNode> | null;
  /** Levels whose boundary ends here, outermost first (the same boundary may be reused). */
  readonly levels: number[];
}

function node(parent: TrieNode | null, byte: number): TrieNode {
  return { parent, byte, children: null, levels: [] };
}

class BoundaryTrie {
  private readonly root = node(null, -1);
  /** Terminal node of each open level, outermost first. */
  private readonly open: TrieNode[] = [];

  get size(): number {
    return this.open.length;
  }

  /** Adds the boundary of a newly opened multipart; returns its level. Must not be empty. */
  push(boundary: Buffer): number {
    let current = this.root;
    for (const byte of boundary) {
      current.children ??= new Map();
      let next = current.children.get(byte);
      if (next === undefined) {
        next = node(current, byte);
        current.children.set(byte, next);
      }
      current = next;
    }
    const level = this.open.length;
    current.levels.push(level);
    this.open.push(current);
    return level;
  }

  /** Closes the multipart at `level` and every one inside it. */
  truncate(level: number): void {
    while (this.open.length > level) {
      let current: TrieNode | null = this.open.pop()!;
      current.levels.pop();
      // Prune the branch nobody uses any more, so reused nodes cannot pile up over 10,000 parts.
      while (current !== null && current !== this.root && current.levels.length === 0 && (current.children?.size ?? 0) === 0) {
        current.parent!.children!.delete(current.byte);
        current = current.parent;
      }
    }
  }

  /** The longest open boundary `raw` starts with at `from` (innermost among equal ones). */
  match(raw: Buffer, from: number): { level: number; length: number } | null {
    let current: TrieNode | undefined = this.root;
    let best: { level: number; length: number } | null = null;
    for (let i = from; i < raw.length; i++) {
      current = current.children?.get(raw[i]!);
      if (current === undefined) break;
      if (current.levels.length > 0) best = { level: current.levels[current.levels.length - 1]!, length: i - from + 1 };
    }
    return best;
  }
}

export interface BoundaryHit {
  /** Where the delimiter starts: the line end before "--", or the line itself on a first line. */
  readonly at: number;
  /** Line feeds before `at`. */
  readonly atLines: number;
  /** Index of the matched boundary in the stack of open multiparts (0 = outermost). */
  readonly level: number;
  /** True for a close delimiter, "--boundary--". */
  readonly close: boolean;
  /** Offset after the boundary line, where the next part or the epilogue starts. */
  readonly next: number;
}

export class BoundaryScanner {
  private readonly boundaries = new BoundaryTrie();
  private pos = 0;
  private lfs = 0;
  /** Set once the part cap is reached: no boundary is recognised any more. */
  disabled = false;

  constructor(private readonly raw: Buffer) {}

  /** Opens a multipart; returns its level. */
  push(boundary: Buffer): number {
    return this.boundaries.push(boundary);
  }

  /** Closes the multipart at `level` and any inside it. */
  truncate(level: number): void {
    this.boundaries.truncate(level);
  }

  get active(): boolean {
    return !this.disabled && this.boundaries.size > 0;
  }

  /** Line feeds before `at`. Cheap when `at` does not go backwards by more than a line end. */
  linesBefore(at: number): number {
    if (at >= this.pos) {
      this.lfs += this.countLf(this.pos, at);
      this.pos = at;
      return this.lfs;
    }
    return this.lfs - this.countLf(at, this.pos);
  }

  private countLf(from: number, to: number): number {
    const raw = this.raw;
    let n = 0;
    for (let i = from; i < to; i++) if (raw[i] === LF) n++;
    return n;
  }

  /** Whether the line at `lineStart` is a delimiter of an open multipart. */
  matchLine(lineStart: number): { level: number; close: boolean; next: number } | null {
    const raw = this.raw;
    if (!this.active || raw[lineStart] !== DASH || raw[lineStart + 1] !== DASH) return null;
    const from = lineStart + 2;
    const found = this.boundaries.match(raw, from);
    if (found === null) return null;
    const { level, length } = found;
    const close = raw[from + length] === DASH && raw[from + length + 1] === DASH;
    const lf = raw.indexOf(LF, from + length);
    return { level, close, next: lf < 0 ? raw.length : lf + 1 };
  }

  /** The hit for a delimiter line; `floor` is where the current part starts. */
  hitAt(lineStart: number, floor: number): BoundaryHit | null {
    const m = this.matchLine(lineStart);
    if (m === null) return null;
    const at = newlineBefore(this.raw, lineStart, floor);
    const atLines = this.linesBefore(lineStart) - (at < lineStart ? 1 : 0);
    return { at, atLines, level: m.level, close: m.close, next: m.next };
  }

  /** The first delimiter at or after `from`, whose own line counts as a first line. */
  findFrom(from: number): BoundaryHit | null {
    if (!this.active) return null;
    const first = this.hitAt(from, from);
    if (first !== null) return first;
    for (let p = from; ; ) {
      const nl = this.raw.indexOf(NL_DASHES, p);
      if (nl < 0) return null;
      const hit = this.hitAt(nl + 1, from);
      if (hit !== null) return hit;
      p = nl + 1;
    }
  }
}
