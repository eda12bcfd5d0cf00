// The incremental IMAP command reader (RFC 3501 §2.2, §4.3 literals; RFC 7888 LITERAL+/LITERAL-;
// RFC 3516 literal8). Bytes go in with push(); next() hands out one event at a time, so the
// session can change mode between commands (STARTTLS drops what follows, IDLE and AUTHENTICATE
// read raw lines with readLine()). Every input byte is consumed into bounded state at once:
// a line is capped (test plan IMAP-11), a literal is judged by its announced size before any
// of its bytes is read (IMAP-08/09), the whole command is capped (IMAP-12), and a refused
// non-synchronising literal is skipped as data, never parsed as commands (IMAP-10).
import type { ResponseCode } from "./codes.js";
import { TAG, tokenizeCommand, type ImapCommand, type Literal } from "./lexer.js";

export interface ReaderLimits {
  /** Octets of one line outside literals (Dovecot imap_max_line_length = 64k). */
  readonly maxLine: number;
  /** Octets of a whole command, lines and literals, APPEND literals excepted (Dovecot ~64 KiB). */
  readonly maxCommand: number;
  /** The largest literal the session accepts for a command name (APPENDLIMIT for APPEND, all its literals together). */
  readonly maxLiteral: (name: string | null) => number;
  /** LITERAL- advertised: non-synchronising literals over 4096 octets are refused (RFC 7888 §4). */
  readonly literalMinus: boolean;
  /** A refused non-synchronising literal larger than this is not skipped: the connection closes. */
  readonly maxDiscard: number;
  /** Parenthesised list nesting (test plan IMAP-14). */
  readonly maxDepth: number;
}

export const defaultReaderLimits: ReaderLimits = {
  maxLine: 64 * 1024,
  maxCommand: 64 * 1024,
  maxLiteral: (name) => (name === "APPEND" ? 64 * 1024 * 1024 : 64 * 1024),
  literalMinus: false,
  maxDiscard: 16 * 1024 * 1024,
  maxDepth: 32,
};

export type ReaderEvent =
  | { readonly kind: "command"; readonly command: ImapCommand }
  /** A synchronising literal was accepted: the session sends "+ Ready" (RFC 3501 §7.5). */
  | { readonly kind: "continue"; readonly tag: string | null; readonly size: number }
  | { readonly kind: "bad"; readonly tag: string | null; readonly text: string; readonly code: ResponseCode | null }
  /** A literal refused on its announced size; for APPEND the session answers NO [TOOBIG] (RFC 7889), else BAD. */
  | {
      readonly kind: "too-big";
      readonly tag: string | null;
      readonly name: string | null;
      readonly size: number;
      readonly sync: boolean;
      readonly reason: "literal" | "command" | "literal-minus";
    }
  /** The stream cannot be resynchronised (a huge non-synchronising literal): BYE and close. */
  | { readonly kind: "fatal"; readonly text: string };

type Marker = { readonly start: number; readonly size: number | null; readonly sync: boolean; readonly form: Literal["form"] };

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const MAX_NUMBER = 4294967295; // RFC 3501 §9: number is 32-bit
const LITERAL_MINUS_MAX = 4096;

/** The literal announced at the end of a line: "{n}", "{n+}" or "~{n}" (RFC 3516 literal8). */
export function literalMarker(line: Buffer): Marker | null {
  let i = line.length - 1;
  if (line[i] !== 0x7d) return null; // "}"
  const sync = line[i - 1] !== 0x2b; // "+"
  if (!sync) i--;
  const digitsEnd = i;
  while (i > 0 && line[i - 1]! >= 0x30 && line[i - 1]! <= 0x39) i--;
  if (i === digitsEnd || line[i - 1] !== 0x7b) return null; // "{"
  const digits = line.subarray(i, digitsEnd).toString("latin1");
  const value = digits.length > 10 ? Infinity : Number(digits);
  const binary = i >= 2 && line[i - 2] === 0x7e; // "~"
  return { start: i - (binary ? 2 : 1), size: value <= MAX_NUMBER ? value : null, sync, form: binary ? "literal8" : "literal" };
}

/** The tag and command name of a first line, as far as they are well-formed. */
function commandHead(line: Buffer): { tag: string | null; name: string | null } {
  const words = line.subarray(0, 256).toString("latin1").split(" ", 3);
  const tag = words[0] !== undefined && TAG.test(words[0]) ? words[0] : null;
  const first = words[1]?.toUpperCase() ?? null;
  return { tag, name: first === "UID" ? (words[2]?.toUpperCase() ?? null) : first };
}

export class CommandReader {
  private input: Buffer = EMPTY;
  private pos = 0;
  private mode: "line" | "literal" | "skip" | "drain" = "line";
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private segments: Buffer[] = [];
  private literals: Literal[] = [];
  private literalParts: Buffer[] = [];
  private literalForm: Literal["form"] = "literal";
  private remaining = 0;
  private total = 0;
  private tail: Buffer = EMPTY;
  private head: { tag: string | null; name: string | null } = { tag: null, name: null };

  constructor(private readonly limits: ReaderLimits = defaultReaderLimits) {}

  push(chunk: Buffer): void {
    this.input = this.pos >= this.input.length ? chunk : Buffer.concat([this.input.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** Octets received but not yet consumed (the session pauses the socket while this grows). */
  get buffered(): number {
    return this.input.length - this.pos;
  }

  /** The next event, or null when more input is needed. */
  next(): ReaderEvent | null {
    while (this.pos < this.input.length) {
      const event =
        this.mode === "line" ? this.stepLine() : this.mode === "literal" ? this.stepLiteral() : this.mode === "skip" ? this.stepSkip() : this.stepDrain();
      if (event !== null) return event;
    }
    return null;
  }

  /**
   * A raw line (without CRLF) for IDLE's DONE and AUTHENTICATE responses (RFC 3501 §6.2.2),
   * "too-long" past maxLine (the rest of the line is then discarded), or null for more input.
   */
  readLine(): Buffer | "too-long" | null {
    const lf = this.input.indexOf(LF, this.pos);
    const piece = this.input.subarray(this.pos, lf < 0 ? this.input.length : lf);
    if (this.lineLength + piece.length > this.limits.maxLine + 1) {
      this.pos += piece.length;
      this.resetCommand();
      this.mode = "drain";
      return "too-long";
    }
    this.pos += piece.length;
    if (lf < 0) return this.keep(piece);
    this.pos++;
    const line = this.takeLine(piece);
    return line.length > this.limits.maxLine ? "too-long" : line;
  }

  /** Drops buffered input and any command in progress (after STARTTLS: CVE-2011-0411 class). */
  reset(): void {
    this.input = EMPTY;
    this.pos = 0;
    this.mode = "line";
    this.resetCommand();
  }

  private keep(piece: Buffer): null {
    if (piece.length > 0) this.lineParts.push(piece);
    this.lineLength += piece.length;
    return null;
  }

  /** The first octets of the line being read, enough for its tag and command name. */
  private lineStart(last: Buffer): Buffer {
    // Every part holds at least one octet, so 256 parts hold the first 256 octets.
    return Buffer.concat([...this.lineParts.slice(0, 256), last]).subarray(0, 256);
  }

  private takeLine(last: Buffer): Buffer {
    const parts = this.lineParts.length === 0 ? last : Buffer.concat([...this.lineParts, last]);
    this.lineParts = [];
    this.lineLength = 0;
    return parts[parts.length - 1] === CR ? parts.subarray(0, parts.length - 1) : parts;
  }

  private stepLine(): ReaderEvent | null {
    const lf = this.input.indexOf(LF, this.pos);
    const piece = this.input.subarray(this.pos, lf < 0 ? this.input.length : lf);
    if (this.lineLength + piece.length > this.limits.maxLine + 1) {
      const tag = this.segments.length === 0 ? commandHead(this.lineStart(piece)).tag : this.head.tag;
      this.pos += piece.length; // the LF, if here, is left for drain to see
      this.tail = piece.subarray(-32);
      this.resetCommand();
      this.mode = "drain";
      return { kind: "bad", tag, text: "Command line too long", code: null };
    }
    this.pos += piece.length;
    if (lf < 0) return this.keep(piece);
    this.pos++;
    const line = this.takeLine(piece);
    // maxLine + 1 octets passed the check above when the "+1" was not a CR (bare LF).
    if (line.length > this.limits.maxLine) {
      const tag = this.segments.length === 0 ? commandHead(line).tag : this.head.tag;
      this.resetCommand();
      return { kind: "bad", tag, text: "Command line too long", code: null };
    }
    return this.endOfLine(line);
  }

  private endOfLine(line: Buffer): ReaderEvent | null {
    if (this.segments.length === 0) {
      if (line.length === 0) return null; // an empty line is ignored, as Dovecot does
      this.head = commandHead(line);
    }
    this.total += line.length; // CRLF not counted: a line of exactly maxLine is a valid command
    const marker = literalMarker(line);
    this.segments.push(marker === null ? line : line.subarray(0, marker.start));
    if (this.total > this.limits.maxCommand) return this.refuse(marker, { kind: "bad", tag: this.head.tag, text: "Command too long", code: { code: "LIMIT" } });
    if (marker === null) return this.finishCommand();
    if (marker.size === null) return this.refuse(marker, { kind: "bad", tag: this.head.tag, text: "Invalid literal size", code: null });
    const tooBig = this.judgeLiteral(marker.size, marker.sync);
    if (tooBig !== null) return this.refuse(marker, { kind: "too-big", tag: this.head.tag, name: this.head.name, size: marker.size, sync: marker.sync, reason: tooBig });
    if (this.head.name !== "APPEND") this.total += marker.size;
    this.mode = "literal";
    this.remaining = marker.size;
    this.literalForm = marker.form;
    // A zero-length literal has no bytes to wait for.
    if (marker.size === 0) this.endLiteral();
    return marker.sync ? { kind: "continue", tag: this.head.tag, size: marker.size } : null;
  }

  private judgeLiteral(size: number, sync: boolean): "literal" | "command" | "literal-minus" | null {
    if (!sync && this.limits.literalMinus && size > LITERAL_MINUS_MAX) return "literal-minus";
    // APPEND's literals are exempt from maxCommand but, together (MULTIAPPEND), stay within maxLiteral.
    const sum = this.head.name === "APPEND" ? this.literals.reduce((n, l) => n + l.bytes.length, size) : size;
    if (sum > this.limits.maxLiteral(this.head.name)) return "literal";
    if (this.head.name !== "APPEND" && this.total + size > this.limits.maxCommand) return "command";
    return null;
  }

  /**
   * Ends a refused command. After a synchronising literal the client waits for "+", so the next
   * line is a new command; a non-synchronising literal is coming anyway and is skipped as data.
   */
  private refuse(marker: Marker | null, event: ReaderEvent): ReaderEvent {
    this.resetCommand();
    return marker === null || marker.sync ? event : (this.skipLiteral(marker) ?? event);
  }

  /** Skips a non-synchronising literal's bytes, or closes when there are too many to skip. */
  private skipLiteral(marker: Marker): ReaderEvent | null {
    if (marker.size === null || marker.size > this.limits.maxDiscard) {
      this.mode = "line";
      this.input = EMPTY;
      this.pos = 0;
      return { kind: "fatal", text: "Literal too big to skip" };
    }
    this.mode = marker.size === 0 ? "drain" : "skip";
    this.remaining = marker.size;
    return null;
  }

  private stepLiteral(): ReaderEvent | null {
    const n = Math.min(this.remaining, this.input.length - this.pos);
    this.literalParts.push(this.input.subarray(this.pos, this.pos + n));
    this.pos += n;
    this.remaining -= n;
    if (this.remaining === 0) this.endLiteral();
    return null;
  }

  private endLiteral(): void {
    this.literals.push({ bytes: Buffer.concat(this.literalParts), form: this.literalForm });
    this.literalParts = [];
    this.mode = "line";
  }

  private stepSkip(): ReaderEvent | null {
    const n = Math.min(this.remaining, this.input.length - this.pos);
    this.pos += n;
    this.remaining -= n;
    if (this.remaining === 0) this.mode = "drain";
    return null;
  }

  /** Discards the rest of a refused command's line; a non-synchronising literal there is skipped too. */
  private stepDrain(): ReaderEvent | null {
    const lf = this.input.indexOf(LF, this.pos);
    const piece = this.input.subarray(this.pos, lf < 0 ? this.input.length : lf);
    this.tail = Buffer.concat([this.tail, piece.subarray(-32)]).subarray(-32);
    this.pos += piece.length;
    if (lf < 0) return null;
    this.pos++;
    const line = this.tail[this.tail.length - 1] === CR ? this.tail.subarray(0, -1) : this.tail;
    this.tail = EMPTY;
    this.mode = "line";
    const marker = literalMarker(line);
    return marker === null || marker.sync ? null : this.skipLiteral(marker);
  }

  private finishCommand(): ReaderEvent {
    const segments = this.segments;
    const literals = this.literals;
    const head = this.head;
    this.resetCommand();
    const result = tokenizeCommand(segments, literals, this.limits.maxDepth);
    return "error" in result
      ? { kind: "bad", tag: head.tag, text: result.error.message, code: result.error.code }
      : { kind: "command", command: result.command };
  }

  private resetCommand(): void {
    this.segments = [];
    this.literals = [];
    this.literalParts = [];
    this.lineParts = [];
    this.lineLength = 0;
    this.total = 0;
    this.head = { tag: null, name: null };
  }
}
