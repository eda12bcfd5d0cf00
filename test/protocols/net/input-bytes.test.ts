// The session input buffer: what it hands out stays as received while more arrives, and a
// line that comes a byte at a time costs linear work (test plan: slow drip).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputBytes } from "../../../src/protocols/net/input-bytes.js";
import { takeLine } from "../../../src/protocols/net/lines.js";

describe("InputBytes", () => {
  it("keeps views valid across appends and consumes", () => {
    const input = new InputBytes();
    input.append(Buffer.from("A1 LOGIN"));
    input.append(Buffer.from(" x y\r\nA2 NOOP"));
    const first = input.bytes.subarray(0, 14);
    assert.equal(first.toString(), "A1 LOGIN x y\r\n");
    input.consume(14);
    for (const c of "\r\nA3 ".repeat(2000)) input.append(Buffer.from(c)); // grows several times
    assert.equal(first.toString(), "A1 LOGIN x y\r\n", "a view handed out is never written over");
    assert.equal(input.bytes.subarray(0, 9).toString(), "A2 NOOP\r\n");
    assert.equal(input.length, 7 + 5 * 2000);
    input.consume(input.length);
    assert.equal(input.length, 0);
    const chunk = Buffer.from("whole chunk");
    input.append(chunk);
    assert.equal(input.bytes.buffer, chunk.buffer, "a lone chunk is kept without a copy");
  });

  it("takes a 1 MiB line sent a byte at a time with linear work", () => {
    const input = new InputBytes();
    const size = 1024 * 1024;
    let scanned = 0;
    let copied = 0;
    const byte = Buffer.from("a");
    for (let i = 0; i < size; i++) {
      const before = input.bytes.buffer;
      input.append(byte);
      if (input.bytes.buffer !== before) copied += input.length; // a reallocation copies what is there
      const taken = takeLine(input.bytes, size + 10, scanned);
      assert.equal(taken.kind, "partial");
      scanned = input.length;
    }
    input.append(Buffer.from("\r\n"));
    const taken = takeLine(input.bytes, size + 10, scanned);
    assert.equal(taken.kind, "line");
    assert.equal(taken.kind === "line" && taken.line.length, size);
    // Doubling: every byte is copied a bounded number of times (≤ 2 on average), not once per byte.
    assert.ok(copied < 3 * size, `copied ${copied} bytes for a ${size}-byte line`);
  });
});
