// Reading a session's input one command at a time, for every protocol on this runtime. The
// socket stays paused unless the session is waiting for bytes, so a command's reply (and its
// async core call) is finished before the next command is even looked at (RFC 2920 §3,
// RFC 2449 §6.6: replies in order), and a client that pipelines faster than we answer fills
// its own TCP window, not our memory. While waiting the idle timer runs (each protocol sets
// its own: RFC 5321 §4.5.3.2, RFC 1939 §3), and a listener shutdown wakes an idle session so
// it can say goodbye in its protocol's words. IMAP's literals (RFC 3501 §4.3) are read here
// too: the session checks a literal's announced size against its limit, then asks for exactly
// that many octets (readBytes) or drops them unread (skipBytes, discardLine).
import type net from "node:net";
import { InputBytes } from "./input-bytes.js";
import { takeLine, type LineLimit } from "./lines.js";

/**
 * Why no more input came: the client closed (eof), was silent too long (timeout), the
 * listener is closing, or the session has lasted its maximum (expired).
 */
export type InputEnd = "eof" | "timeout" | "closing" | "expired";

export type LineRead =
  | { readonly kind: "line"; readonly line: Buffer; readonly bareLf: boolean }
  /** `head`: the line's first octets (up to 256), enough for an IMAP tag in the refusal. */
  | { readonly kind: "too_long"; readonly head: Buffer }
  | { readonly kind: InputEnd };

export type BytesRead = { readonly kind: "bytes"; readonly bytes: Buffer } | { readonly kind: InputEnd };
export type LineDiscarded = { readonly kind: "discarded"; readonly tail: Buffer } | { readonly kind: InputEnd };

export interface SessionInputOptions {
  /** How long the client may stay silent while we wait for it; may change (e.g. after login). */
  readonly idleMs: number;
  /** The listener's shutdown signal. */
  readonly closing: AbortSignal;
  /** Called before waiting for the client: replies held back must go out now. */
  readonly beforeWait?: () => void;
  /**
   * The session's absolute limit (Date.now() time): a client that keeps a connection alive by
   * dripping bytes under the idle timeout is cut here (test plan SMTP-38). None by default.
   */
  readonly endsAt?: number | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const empty = Buffer.alloc(0);

export class SessionInput {
  idleMs: number;
  private readonly pending = new InputBytes();
  /** How many of the pending bytes are known to hold no LF. */
  private scanned = 0;
  /** After a too-long line: bytes are dropped up to the next LF, never buffered. */
  private discarding = false;
  private ended = false;
  private wake: ((result: "data" | InputEnd) => void) | null = null;
  /** The wait now in progress may be cut short by the listener's shutdown. */
  private interruptible = false;
  /**
   * One idle timer per session, re-armed for each wait (`refresh`) and made anew only when its
   * duration changes: a timer made and cleared per command, and a shutdown listener added to
   * and removed from the listener's shared signal per command (Node's EventTarget walks its
   * list each time), were ~7% of a SELECT's CPU (decision 0033's notes).
   */
  private timer: { handle: NodeJS.Timeout; ms: number; ends: InputEnd } | null = null;
  private readonly closing: AbortSignal;
  private readonly beforeWait: () => void;
  private readonly endsAt: number;

  constructor(
    private readonly socket: net.Socket,
    opts: SessionInputOptions,
  ) {
    this.idleMs = opts.idleMs;
    this.closing = opts.closing;
    this.beforeWait = opts.beforeWait ?? (() => {});
    this.endsAt = opts.endsAt ?? Infinity;
    socket.pause();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    this.closing.addEventListener("abort", this.onClosing);
  }

  /** The next line of at most `limit` octets (line ending excluded). */
  async readLine(limit: LineLimit): Promise<LineRead> {
    for (;;) {
      if (this.discarding) {
        const lf = this.pending.bytes.indexOf(LF);
        if (lf < 0) this.pending.clear();
        else this.pending.consume(lf + 1);
        this.discarding = lf < 0;
        this.scanned = 0;
      }
      if (!this.discarding) {
        const pending = this.pending.bytes;
        const taken = takeLine(pending, limit, this.scanned);
        if (taken.kind === "line") {
          this.pending.consume(pending.length - taken.rest.length);
          this.scanned = 0;
          return { kind: "line", line: taken.line, bareLf: taken.bareLf };
        }
        if (taken.kind === "too_long") {
          this.discarding = true;
          return { kind: "too_long", head: Buffer.from(pending.subarray(0, 256)) };
        }
        this.scanned = pending.length;
      }
      const waited = await this.waitForData(true);
      if (waited !== "data") return { kind: waited };
    }
  }

  /**
   * Feeds the input to `consume` until it has what it needs (SMTP DATA): it returns how many
   * bytes it used once done (the rest stay for the next command), or -1 to be fed more.
   * A shutdown does not cut such a body in the middle; the listener's grace period covers it.
   */
  async readWith(consume: (bytes: Buffer) => number): Promise<"data" | InputEnd> {
    for (;;) {
      if (this.pending.length > 0) {
        const used = consume(this.pending.bytes);
        this.scanned = 0;
        if (used < 0) this.pending.clear();
        else this.pending.consume(used);
        if (used >= 0) return "data";
      }
      const waited = await this.waitForData(false);
      if (waited !== "data") return waited;
    }
  }

  /**
   * Exactly `size` octets (an IMAP literal). The caller has judged `size` against its limit
   * before asking, so what is gathered here is bounded by that limit.
   */
  async readBytes(size: number): Promise<BytesRead> {
    const parts: Buffer[] = [];
    const end = await this.take(size, (piece) => parts.push(piece));
    return end === "data" ? { kind: "bytes", bytes: Buffer.concat(parts) } : { kind: end };
  }

  /** Drops the next `size` octets unread (a refused literal the client sends anyway, RFC 7888 §4). */
  skipBytes(size: number): Promise<"data" | InputEnd> {
    return this.take(size, () => {});
  }

  /**
   * Drops the input up to and including the next LF (the rest of a refused line), never
   * buffering it. `tail` is how the line ended (its last 32 octets, without CR), where IMAP
   * looks for a non-synchronising literal that will follow anyway.
   */
  async discardLine(): Promise<LineDiscarded> {
    this.discarding = false;
    let tail = empty;
    const end = await this.readWith((bytes) => {
      const lf = bytes.indexOf(LF);
      const piece = bytes.subarray(0, lf < 0 ? bytes.length : lf);
      tail = Buffer.concat([tail, piece.subarray(-32)]).subarray(-32);
      return lf < 0 ? -1 : lf + 1;
    });
    if (end !== "data") return { kind: end };
    return { kind: "discarded", tail: tail[tail.length - 1] === CR ? tail.subarray(0, -1) : tail };
  }

  /** Bytes already received and not yet used: the client pipelined more. */
  get buffered(): boolean {
    return this.pending.length > 0;
  }

  /** The session is waiting for the client (IMAP's IDLE updates are written meanwhile). */
  get waiting(): boolean {
    return this.wake !== null;
  }

  /** Stops reading this socket and returns the bytes read but not used (STARTTLS discards them). */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.release();
    const rest = this.pending.bytes;
    this.pending.clear();
    this.scanned = 0;
    return rest;
  }

  private async take(size: number, use: (piece: Buffer) => void): Promise<"data" | InputEnd> {
    if (size === 0) return "data";
    let missing = size;
    return this.readWith((bytes) => {
      const n = Math.min(missing, bytes.length);
      use(bytes.subarray(0, n));
      missing -= n;
      return missing === 0 ? n : -1;
    });
  }

  private waitForData(interruptOnClosing: boolean): Promise<"data" | InputEnd> {
    this.beforeWait();
    if (this.ended) return Promise.resolve("eof");
    if (interruptOnClosing && this.closing.aborted) return Promise.resolve("closing");
    const left = this.endsAt - Date.now();
    if (left <= 0) return Promise.resolve("expired");
    return new Promise((resolve) => {
      this.arm(left < this.idleMs ? left : this.idleMs, left < this.idleMs ? "expired" : "timeout");
      this.interruptible = interruptOnClosing;
      this.wake = (result: "data" | InputEnd) => {
        this.wake = null;
        this.interruptible = false;
        this.socket.pause();
        resolve(result);
      };
      this.socket.resume();
    });
  }

  /** The idle timer, firing `ends` after `ms` from now. */
  private arm(ms: number, ends: InputEnd): void {
    if (this.timer !== null && this.timer.ms === ms && this.timer.ends === ends) {
      this.timer.handle.refresh();
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer.handle);
    // Unref'd: it stays armed between waits, and must not keep a process alive whose sessions
    // are gone (a waiting session's socket keeps the process running anyway).
    this.timer = { handle: setTimeout(() => this.wake?.(ends), ms).unref(), ms, ends };
  }

  /** Nothing of this input keeps the process or the listener's signal busy any more. */
  private release(): void {
    if (this.timer !== null) clearTimeout(this.timer.handle);
    this.timer = null;
    this.closing.removeEventListener("abort", this.onClosing);
  }

  private readonly onClosing = (): void => {
    if (this.interruptible) this.wake?.("closing");
  };

  private readonly onData = (chunk: Buffer): void => {
    this.pending.append(chunk);
    this.socket.pause();
    this.wake?.("data");
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.release();
    this.wake?.("eof");
  };
}
