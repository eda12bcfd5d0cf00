// Reading an IMAP session's input through the codec's CommandReader. The socket stays paused
// unless the session waits for bytes, so one command is answered before the next is looked at
// and a client that pipelines faster than we answer fills its own TCP window, not our memory.
// While waiting, the idle timer runs (RFC 3501 §5.4) and a listener shutdown wakes the session.
import type net from "node:net";
import { CommandReader, type ReaderEvent, type ReaderLimits } from "./codec/reader.js";

export type WaitEnd = "eof" | "timeout" | "closing";
export type InputEvent = ReaderEvent | { readonly kind: "end"; readonly why: WaitEnd };

export class ImapInput {
  readonly reader: CommandReader;
  private ended = false;
  private wake: ((result: "data" | WaitEnd) => void) | null = null;

  constructor(
    private readonly socket: net.Socket,
    limits: ReaderLimits,
    private readonly closing: AbortSignal,
    public timeoutMs: number,
  ) {
    this.reader = new CommandReader(limits);
    socket.pause();
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
  }

  async next(): Promise<InputEvent> {
    for (;;) {
      const event = this.reader.next();
      if (event !== null) return event;
      const waited = await this.waitForData();
      if (waited !== "data") return { kind: "end", why: waited };
    }
  }

  async readLine(): Promise<Buffer | "too-long" | WaitEnd> {
    for (;;) {
      const line = this.reader.readLine();
      if (line !== null) return line;
      const waited = await this.waitForData();
      if (waited !== "data") return waited;
    }
  }

  /** Stops reading this socket and drops whatever was buffered (STARTTLS, CVE-2011-0411). */
  detach(): void {
    this.socket.pause();
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.reader.reset();
  }

  private waitForData(): Promise<"data" | WaitEnd> {
    if (this.ended) return Promise.resolve("eof");
    if (this.closing.aborted) return Promise.resolve("closing");
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish("timeout"), this.timeoutMs);
      const onAbort = () => finish("closing");
      this.closing.addEventListener("abort", onAbort, { once: true });
      const finish = (result: "data" | WaitEnd) => {
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
    this.reader.push(chunk);
    this.socket.pause();
    this.wake?.("data");
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.("eof");
  };
}
