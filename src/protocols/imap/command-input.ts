// Reading IMAP commands through the shared session input (net/session-input.ts): lines with
// the line cap, literals as exactly their announced octets once the codec's assembler has
// judged the size (RFC 3501 §4.3, §7.5: "+" only for a synchronising literal), and what a
// refused command still sends dropped unread. The socket stays paused unless we wait for
// bytes, so one command is answered before the next is looked at; the idle timer and the
// shutdown wake-up are the runtime's (RFC 3501 §5.4).
import type { InputEnd, SessionInput } from "../net/session-input.js";
import { CommandAssembler, literalMarker, skipLiteral, type ReaderEvent, type ReaderLimits } from "./codec/reader.js";

export type InputEvent = ReaderEvent | { readonly kind: "end"; readonly why: InputEnd };

/** Told before the bytes of a synchronising literal are awaited: the session sends "+". */
export type OnContinue = (tag: string | null, size: number) => void;

export class CommandInput {
  private readonly assembler: CommandAssembler;
  /**
   * The rest of a refused command, dropped before the next one is read: a non-synchronising
   * literal's octets (a number) and then its line, or only the rest of a too-long line.
   */
  private leftover: number | "line" | null = null;

  constructor(
    private readonly input: SessionInput,
    private readonly limits: ReaderLimits,
  ) {
    this.assembler = new CommandAssembler(limits);
  }

  /** The next command, or why there is none (a refusal, the end of input). */
  async next(onContinue: OnContinue): Promise<InputEvent> {
    const dropped = await this.dropLeftover();
    if (dropped !== null) return dropped;
    for (;;) {
      const read = await this.input.readLine(this.limits.maxLine);
      if (read.kind === "too_long") {
        this.leftover = "line";
        return this.assembler.tooLong(read.head);
      }
      if (read.kind !== "line") return this.ended(read.kind);
      let step = this.assembler.line(read.line);
      while (step.kind === "literal") {
        if (step.sync) onContinue(step.tag, step.size);
        const literal = await this.input.readBytes(step.size);
        if (literal.kind !== "bytes") return this.ended(literal.kind);
        step = this.assembler.literal(literal.bytes);
      }
      if (step.kind === "line") continue;
      if (step.skip === null) return step.event;
      // RFC 7888 §4: the client sends a non-synchronising literal whatever we answer.
      const size = skipLiteral(step.skip, this.limits);
      if (typeof size !== "number") return size;
      this.leftover = size;
      return step.event;
    }
  }

  /** Drops a refused literal, then the rest of its line, and again while that line announces another. */
  private async dropLeftover(): Promise<InputEvent | null> {
    while (this.leftover !== null) {
      if (typeof this.leftover === "number") {
        const skipped = await this.input.skipBytes(this.leftover);
        if (skipped !== "data") return this.ended(skipped);
      }
      this.leftover = null;
      const line = await this.input.discardLine();
      if (line.kind !== "discarded") return this.ended(line.kind);
      const marker = literalMarker(line.tail);
      if (marker === null || marker.sync) break;
      const size = skipLiteral(marker, this.limits);
      if (typeof size !== "number") return size;
      this.leftover = size;
    }
    return null;
  }

  private ended(why: InputEnd): InputEvent {
    this.assembler.reset();
    this.leftover = null;
    return { kind: "end", why };
  }
}
