// The bytes a session has received and not yet used. Appending is amortised O(1): chunks go
// into spare room at the end (a new buffer of twice the size when there is none), so a client
// that sends a long line a byte per packet costs linear, not quadratic, copying.
//
// Views handed out (lines, literals) stay valid: bytes are only ever written past the end of
// what has been received, never over anything a view can see.
const empty = Buffer.alloc(0);

export class InputBytes {
  #buffer: Buffer = empty;
  #start = 0;
  #end = 0;
  /** False while #buffer is the caller's chunk itself (not ours to write into). */
  #owned = false;

  /** What has been received and not consumed. */
  get bytes(): Buffer {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  get length(): number {
    return this.#end - this.#start;
  }

  append(chunk: Buffer): void {
    if (this.length === 0) {
      // The common case, one chunk at a time: keep it as it is, no copy.
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    if (!this.#owned || this.#end + chunk.length > this.#buffer.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * (this.length + chunk.length), 4096));
      this.#buffer.copy(next, 0, this.#start, this.#end);
      this.#end = this.length;
      this.#start = 0;
      this.#buffer = next;
      this.#owned = true;
    }
    chunk.copy(this.#buffer, this.#end);
    this.#end += chunk.length;
  }

  /** Drops the first n bytes. */
  consume(n: number): void {
    this.#start = Math.min(this.#start + n, this.#end);
    if (this.#start === this.#end) this.clear();
  }

  clear(): void {
    this.#buffer = empty;
    this.#start = 0;
    this.#end = 0;
    this.#owned = false;
  }
}
