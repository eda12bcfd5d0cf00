// The DATA reader (RFC 5321 §4.1.1.4, §4.5.2): a streaming state machine over the raw bytes
// after "354", fed chunk by chunk, so the outcome never depends on TCP segmentation.
//
// SMTP smuggling (CVE-2023-51764/5/6, test plan A1.1) lives in the gap between what a sending
// server thinks ends DATA and what the receiver thinks. So:
// - DATA ends ONLY on the five raw bytes CR LF "." CR LF, the first CRLF being the end of the
//   previous line (or the DATA command itself). `\n.\r\n`, `\n.\n`, `\r.\r\n`, `\r\n.\n`,
//   `\r\n.\r\r\n` … are message content, in every policy.
// - A "line start" (for the terminator and for dot-unstuffing) follows a raw CRLF only; a bare
//   LF never starts a line, so nothing after a bare LF can act as a terminator.
// - Several CRs before an LF are never collapsed (`\r\r\n` stays three bytes: the Postfix
//   follow-up variant).
// - Bare LF / bare CR policy: "normalize" (Postfix ≥ 3.9 default) turns each bare LF into CRLF
//   and keeps bare CRs as they are; "reject" keeps reading to the real terminator and reports
//   the message as bad, so that the session answers 550 5.5.2 only there, and nothing after a
//   lookalike terminator is ever run as a command (RFC 5321 §2.3.8: CR and LF MUST only occur
//   together as CRLF).
// - Past the size limit the reader keeps counting and discarding to the real terminator, so
//   the 552 comes at the right place (chasquid bad_data_dot_on_message_too_big, A1.8).
// - Transparency (§4.5.2): a line starting with "." loses that first dot. A "." followed by a
//   bare LF or bare CR is not a stuffed dot (the line has nothing after it) and is kept.

export type BareLinePolicy = "normalize" | "reject";

export type DataOutcome =
  | { readonly kind: "message"; readonly message: Buffer }
  /** The message was larger than the limit; `size` is what it would have been. */
  | { readonly kind: "too_large"; readonly size: number }
  /** A bare CR or LF under the reject policy. */
  | { readonly kind: "bad_line_ending" };

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from("\r\n");
const DOT_BYTE = Buffer.from(".");
const CR_BYTE = Buffer.from("\r");

const enum State {
  /** Just after a raw CRLF (or at the start of DATA). */
  LineStart,
  /** "." at a line start. */
  Dot,
  /** "." CR at a line start: an LF now ends DATA. */
  DotCr,
  /** Inside a line. */
  Mid,
  /** A CR inside a line: an LF now ends the line. */
  Cr,
}

export class DataReader {
  private state = State.LineStart;
  private parts: Buffer[] = [];
  private size = 0;
  private tooLarge = false;
  private badLineEnding = false;
  private finished = false;

  constructor(private readonly opts: { readonly maxBytes: number; readonly policy: BareLinePolicy }) {}

  get done(): boolean {
    return this.finished;
  }

  /**
   * Feeds bytes. Returns how many of them were used when the terminator was reached (the rest
   * belong to the next command, RFC 2920 pipelining), or -1 when all were used and DATA goes on.
   */
  push(chunk: Buffer): number {
    if (this.finished) return 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Mid: {
          let j = i;
          while (j < n && chunk[j] !== CR && chunk[j] !== LF) j++;
          if (j > i) this.emit(chunk.subarray(i, j));
          if (j === n) return -1;
          if (chunk[j] === CR) this.state = State.Cr;
          else this.bareLf();
          i = j + 1;
          break;
        }
        case State.Cr:
          if (chunk[i] === LF) {
            this.emit(CRLF);
            this.state = State.LineStart;
            i++;
          } else {
            // The CR was bare; the byte after it is looked at again inside the line.
            this.bareCr();
            this.state = State.Mid;
          }
          break;
        case State.LineStart:
          if (chunk[i] === DOT) {
            this.state = State.Dot;
            i++;
          } else {
            this.state = State.Mid;
          }
          break;
        case State.Dot:
          if (chunk[i] === CR) {
            this.state = State.DotCr;
            i++;
          } else {
            // A stuffed dot is dropped; "." before a bare LF is content (see above).
            if (chunk[i] === LF) this.emit(DOT_BYTE);
            this.state = State.Mid;
          }
          break;
        case State.DotCr:
          if (chunk[i] === LF) {
            this.finished = true;
            return i + 1;
          }
          // "." then a bare CR: both are content, and the next byte is looked at again.
          this.emit(DOT_BYTE);
          this.bareCr();
          this.state = State.Mid;
          break;
      }
    }
    return -1;
  }

  /** What DATA delivered; only meaningful once `done`. */
  result(): DataOutcome {
    if (this.badLineEnding) return { kind: "bad_line_ending" };
    if (this.tooLarge) return { kind: "too_large", size: this.size };
    return { kind: "message", message: Buffer.concat(this.parts, this.size) };
  }

  private bareLf(): void {
    if (this.opts.policy === "normalize") this.emit(CRLF);
    else this.markBad();
  }

  private bareCr(): void {
    if (this.opts.policy === "normalize") this.emit(CR_BYTE);
    else this.markBad();
  }

  private markBad(): void {
    this.badLineEnding = true;
    this.parts = []; // the message will be refused: stop holding it
  }

  private emit(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size > this.opts.maxBytes && !this.tooLarge) {
      this.tooLarge = true;
      this.parts = [];
    }
    if (!this.tooLarge && !this.badLineEnding) this.parts.push(bytes);
  }
}
