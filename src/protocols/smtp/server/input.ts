// Reading a session's input one command at a time. The socket stays paused unless the session
// is waiting for bytes, so a command's reply (and its async MailFlow call) is finished before
// the next command is even looked at (RFC 2920 §3: replies in order), and a client that
// pipelines faster than we answer fills its own TCP window, not our memory. While waiting the
// idle timer runs (RFC 5321 §4.5.3.2 asks servers to wait at least 5 minutes; the setting can
// be lower), and a listener shutdown wakes an idle session so it can say goodbye.
import type net from "node:net";
import type { DataReader } from "./codec/data-reader.js";
import { commandLineLimit, takeLine } from "./codec/line.js";

export type LineRead =
  | { readonly kind: "line"; readonly line: Buffer; readonly bareLf: boolean }
  | { readonly kind: "too_long" }
  | { readonly kind: "eof" | "timeout" | "closing" };

export type WaitResult = "data" | "eof" | "timeout" | "closing";

const LF = 0x0a;
const empty = Buffer.alloc(0);

export class SocketInput {
  private pending: Buffer = empty;
  /** After a too-long line: bytes are dropped up to the next LF, never buffered. */
  private discarding = false;
  private ended = false;
  private wake: ((result: WaitResult) => void) | null = null;

  constructor(
    private readonly socket: net.Socket,
    private readonly idleMs: number,
    private readonly closing: AbortSignal,
    /** Called before waiting for the client: replies held back must go out now. */
    private readonly beforeWait: () => void = () => {},
  ) {
    socket.pause();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
  }

  /** The next command line (or SASL response) of at most `limit` octets; "command" uses the AUTH-aware limit. */
  async readLine(limit: number | "command"): Promise<LineRead> {
    for (;;) {
      if (this.discarding) {
        const lf = this.pending.indexOf(LF);
        this.pending = lf < 0 ? empty : this.pending.subarray(lf + 1);
        this.discarding = lf < 0;
      }
      if (!this.discarding) {
        const taken = takeLine(this.pending, limit === "command" ? commandLineLimit : limit);
        if (taken.kind === "line") {
          this.pending = taken.rest;
          return { kind: "line", line: taken.line, bareLf: taken.bareLf };
        }
        if (taken.kind === "too_long") {
          this.discarding = true;
          return { kind: "too_long" };
        }
      }
      const waited = await this.waitForData(true);
      if (waited !== "data") return { kind: waited };
    }
  }

  /** Feeds the reader until its terminator; bytes after it stay for the next command. */
  async readData(reader: DataReader): Promise<WaitResult> {
    for (;;) {
      if (this.pending.length > 0) {
        const used = reader.push(this.pending);
        this.pending = used < 0 ? empty : this.pending.subarray(used);
        if (used >= 0) return "data";
      }
      // A shutdown does not cut a message in the middle; the grace period covers it.
      const waited = await this.waitForData(false);
      if (waited !== "data") return waited;
    }
  }

  /** Bytes already received and not yet used: the client pipelined more (RFC 2920). */
  get buffered(): boolean {
    return this.pending.length > 0;
  }

  /** Stops reading this socket and returns the bytes read but not used (STARTTLS discards them). */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    const rest = this.pending;
    this.pending = empty;
    return rest;
  }

  private waitForData(interruptOnClosing: boolean): Promise<WaitResult> {
    this.beforeWait();
    if (this.ended) return Promise.resolve("eof");
    if (interruptOnClosing && this.closing.aborted) return Promise.resolve("closing");
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish("timeout"), this.idleMs);
      const onAbort = () => finish("closing");
      if (interruptOnClosing) this.closing.addEventListener("abort", onAbort, { once: true });
      const finish = (result: WaitResult) => {
        clearTimeout(timer);
        this.closing.removeEventListener("abort", onAbort);
        this.wake = null;
        this.socket.pause();
        resolve(result);
      };
      this.wake = finish;
      this.socket.resume();
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.socket.pause();
    this.wake?.("data");
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.("eof");
  };
}
