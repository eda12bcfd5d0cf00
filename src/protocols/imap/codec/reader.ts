// Assembling IMAP commands from lines and literals (RFC 3501 §2.2, §4.3 literals; RFC 7888
// LITERAL+/LITERAL-; RFC 3516 literal8). Pure: the session reads the bytes through the shared
// runtime (net/session-input.ts) and hands each line and literal to a CommandAssembler, which
// says what to read next. Every decision is bounded: a literal is judged by its announced size
// before any of its bytes is read (test plan IMAP-08/09), the whole command is capped (IMAP-12),
// and a refused non-synchronising literal is to be skipped as data, never parsed as commands
// (IMAP-10). The line cap (IMAP-11) is the reader's: lines never grow past `maxLine`.
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

export type Marker = { readonly start: number; readonly size: number | null; readonly sync: boolean; readonly form: Literal["form"] };

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
export function commandHead(line: Buffer): { tag: string | null; name: string | null } {
  const words = line.subarray(0, 256).toString("latin1").split(" ", 3);
  const tag = words[0] !== undefined && TAG.test(words[0]) ? words[0] : null;
  const first = words[1]?.toUpperCase() ?? null;
  return { tag, name: first === "UID" ? (words[2]?.toUpperCase() ?? null) : first };
}

/** What the session reads next for the command being assembled. */
export type Step =
  /** The command goes on: read its next line. An empty first line is ignored, as Dovecot does. */
  | { readonly kind: "line" }
  /** Read exactly `size` octets; for a synchronising literal send "+" first (RFC 3501 §7.5). */
  | { readonly kind: "literal"; readonly size: number; readonly sync: boolean; readonly tag: string | null }
  /**
   * The command is complete or refused. `skip`: a refused non-synchronising literal follows
   * anyway; its bytes and the rest of its command are to be dropped (see `skipLiteral`).
   */
  | { readonly kind: "event"; readonly event: ReaderEvent; readonly skip: Marker | null };

/** How to drop a refused non-synchronising literal: its size, or fatal when too big to skip. */
export function skipLiteral(marker: Marker, limits: ReaderLimits): number | ReaderEvent {
  if (marker.size === null || marker.size > limits.maxDiscard) return { kind: "fatal", text: "Literal too big to skip" };
  return marker.size;
}

export class CommandAssembler {
  private segments: Buffer[] = [];
  private literals: Literal[] = [];
  private literalForm: Literal["form"] = "literal";
  private total = 0;
  private head: { tag: string | null; name: string | null } = { tag: null, name: null };

  constructor(private readonly limits: ReaderLimits = defaultReaderLimits) {}

  /** The tag of the command in progress, or of a first line starting with `head`. */
  tagFor(head: Buffer): string | null {
    return this.segments.length === 0 ? commandHead(head).tag : this.head.tag;
  }

  /** A line over `maxLine` (its first octets in `head`): the command is refused, the line dropped. */
  tooLong(head: Buffer): ReaderEvent {
    const tag = this.tagFor(head);
    this.reset();
    return { kind: "bad", tag, text: "Command line too long", code: null };
  }

  /** The next line of the command, without its line ending. */
  line(line: Buffer): Step {
    if (this.segments.length === 0) {
      if (line.length === 0) return { kind: "line" };
      this.head = commandHead(line);
    }
    this.total += line.length; // CRLF not counted: a line of exactly maxLine is a valid command
    const marker = literalMarker(line);
    this.segments.push(marker === null ? line : line.subarray(0, marker.start));
    if (this.total > this.limits.maxCommand) return this.refuse(marker, { kind: "bad", tag: this.head.tag, text: "Command too long", code: { code: "LIMIT" } });
    if (marker === null) return this.finish();
    if (marker.size === null) return this.refuse(marker, { kind: "bad", tag: this.head.tag, text: "Invalid literal size", code: null });
    const tooBig = this.judgeLiteral(marker.size, marker.sync);
    if (tooBig !== null) return this.refuse(marker, { kind: "too-big", tag: this.head.tag, name: this.head.name, size: marker.size, sync: marker.sync, reason: tooBig });
    if (this.head.name !== "APPEND") this.total += marker.size;
    this.literalForm = marker.form;
    return { kind: "literal", size: marker.size, sync: marker.sync, tag: this.head.tag };
  }

  /** The literal's bytes; the command goes on with the line after them. */
  literal(bytes: Buffer): Step {
    this.literals.push({ bytes, form: this.literalForm });
    return { kind: "line" };
  }

  /** Drops the command in progress. */
  reset(): void {
    this.segments = [];
    this.literals = [];
    this.total = 0;
    this.head = { tag: null, name: null };
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
   * line is a new command; a non-synchronising literal is coming anyway and is to be skipped.
   */
  private refuse(marker: Marker | null, event: ReaderEvent): Step {
    this.reset();
    return { kind: "event", event, skip: marker === null || marker.sync ? null : marker };
  }

  private finish(): Step {
    const segments = this.segments;
    const literals = this.literals;
    const head = this.head;
    this.reset();
    const result = tokenizeCommand(segments, literals, this.limits.maxDepth);
    const event: ReaderEvent =
      "error" in result ? { kind: "bad", tag: head.tag, text: result.error.message, code: result.error.code } : { kind: "command", command: result.command };
    return { kind: "event", event, skip: null };
  }
}
