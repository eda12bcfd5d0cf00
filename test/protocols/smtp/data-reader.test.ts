// The DATA reader as a table of wire bytes → outcome (test plan SMTP-01…06, SMTP-11, SUB-10),
// each replayed in chunks of 1, 2, 3, 7, 16, 64 and 200 bytes (B0.2): the outcome must not
// depend on how TCP cut the stream.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataReader, type BareLinePolicy, type DataOutcome } from "../../../src/protocols/smtp/server/codec/data-reader.js";

const chunkSizes = [1, 2, 3, 7, 16, 64, 200, Infinity];

interface Run {
  outcome: DataOutcome | null;
  /** The bytes after the terminator, for the next command. */
  rest: string;
}

function run(input: string, policy: BareLinePolicy = "normalize", maxBytes = 1_000_000, chunk = Infinity): Run {
  const reader = new DataReader({ maxBytes, policy });
  const bytes = Buffer.from(input, "latin1");
  const size = Number.isFinite(chunk) ? chunk : bytes.length || 1;
  for (let at = 0; at < bytes.length; at += size) {
    const piece = bytes.subarray(at, at + size);
    const used = reader.push(piece);
    if (used >= 0) return { outcome: reader.result(), rest: bytes.subarray(at + used).toString("latin1") };
  }
  return { outcome: null, rest: "" };
}

/** Runs every chunk size and checks they agree; returns the one outcome. */
function runAll(input: string, policy: BareLinePolicy = "normalize", maxBytes = 1_000_000): Run {
  const first = run(input, policy, maxBytes, Infinity);
  for (const size of chunkSizes) assert.deepEqual(run(input, policy, maxBytes, size), first, `chunk size ${size}`);
  return first;
}

function message(r: Run): string {
  assert.equal(r.outcome?.kind, "message", `outcome ${JSON.stringify(r.outcome)}`);
  return (r.outcome as { message: Buffer }).message.toString("latin1");
}

const smuggled = "MAIL FROM:<x@evil.example>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: x@evil.example\r\n\r\nspoofed\r\n";

describe("DataReader: the terminator", () => {
  it("ends only on CRLF.CRLF and leaves the bytes after it for the next command", () => {
    const r = runAll("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    assert.equal(message(r), "Subject: hi\r\n\r\nbody\r\n");
    assert.equal(r.rest, "QUIT\r\n");
  });

  it("takes '.' as the very first line as an empty message (the DATA line's CRLF counts)", () => {
    const r = runAll(".\r\nNOOP\r\n");
    assert.equal(message(r), "");
    assert.equal(r.rest, "NOOP\r\n");
  });

  // SMTP-01 / SMTP-02: none of these lookalikes ends DATA, in either policy; the smuggled
  // commands stay inside the one message.
  const lookalikes = ["\n.\r\n", "\n.\n", "\r.\r\n", "\r.\r", "\r\n.\n", "\r\n.\r", "\r\n.\r\r\n", "\r\r\n.\r\r\n", "\n..\n"];
  for (const seq of lookalikes) {
    it(`does not end DATA on ${JSON.stringify(seq)} (normalize)`, () => {
      const r = runAll(`Subject: a\r\n\r\nbody${seq}${smuggled}.\r\n`);
      const stored = message(r);
      assert.ok(stored.includes("MAIL FROM:<x@evil.example>"), "the smuggled commands are message content");
      assert.ok(stored.endsWith("spoofed\r\n"));
      assert.equal(r.rest, "");
    });
    it(`does not end DATA on ${JSON.stringify(seq)} (reject: refused at the real end)`, () => {
      const r = runAll(`Subject: a\r\n\r\nbody${seq}${smuggled}.\r\nNOOP\r\n`, "reject");
      assert.deepEqual(r.outcome, { kind: "bad_line_ending" });
      assert.equal(r.rest, "NOOP\r\n");
    });
  }

  it("is still reading after every lookalike: without the real terminator it never finishes", () => {
    for (const seq of lookalikes) assert.equal(run(`x${seq}QUIT\r\n`).outcome, null, JSON.stringify(seq));
  });
});

describe("DataReader: bare CR and LF (SMTP-03, SMTP-04, SUB-10)", () => {
  it("normalize turns each bare LF into CRLF and changes no other byte", () => {
    assert.equal(message(runAll("a\nb\r\nc\n\r\n.\r\n")), "a\r\nb\r\nc\r\n\r\n");
  });

  it("normalize keeps a bare CR and never collapses CR CR LF", () => {
    assert.equal(message(runAll("a\rb\r\nc\r\r\nd\r\r\r\n.\r\n")), "a\rb\r\nc\r\r\nd\r\r\r\n");
  });

  it("a bare LF does not start a line: a dot after it is content, not stuffing", () => {
    assert.equal(message(runAll("a\n..b\r\n.\r\n")), "a\r\n..b\r\n");
  });

  it("reject refuses a bare LF, a bare CR and CR CR LF", () => {
    for (const body of ["a\nb\r\n", "a\rb\r\n", "a\r\r\nb\r\n"]) assert.deepEqual(runAll(`${body}.\r\n`, "reject").outcome, { kind: "bad_line_ending" });
  });

  it("reject accepts clean CRLF mail byte for byte", () => {
    assert.equal(message(runAll("Subject: x\r\n\r\n\xe9t\xe9\r\n.\r\n", "reject")), "Subject: x\r\n\r\n\xe9t\xe9\r\n");
  });
});

describe("DataReader: transparency (RFC 5321 §4.5.2, SMTP-06)", () => {
  it("unstuffs '..', '..a' and '.' sent as '..'", () => {
    const r = runAll("..\r\n..a\r\n.b\r\n...\r\n.\r\n");
    assert.equal(message(r), ".\r\n.a\r\nb\r\n..\r\n");
    assert.equal((r.outcome as { message: Buffer }).message.length, 14);
  });

  it("keeps a '.' line ended by a bare LF (it is not stuffing and not the end)", () => {
    assert.equal(message(runAll("a\r\n.\nb\r\n.\r\n")), "a\r\n.\r\nb\r\n");
  });

  it("keeps '.' then a bare CR", () => {
    assert.equal(message(runAll("a\r\n.\rb\r\n.\r\n")), "a\r\n.\rb\r\n");
  });
});

describe("DataReader: size limit (SMTP-05, SMTP-11, SMTP-14)", () => {
  it("counts past the limit to the real end and reports the size", () => {
    const r = runAll(`${"x".repeat(200)}\r\n.\r\nNOOP\r\n`, "normalize", 100);
    assert.deepEqual(r.outcome, { kind: "too_large", size: 202 });
    assert.equal(r.rest, "NOOP\r\n");
  });

  it("accepts a message of exactly the limit", () => {
    assert.equal(message(runAll(`${"x".repeat(98)}\r\n.\r\n`, "normalize", 100)).length, 100);
  });

  it("does not end on a smuggled '.\\n' while discarding an oversized message (chasquid)", () => {
    const r = runAll(`${"x".repeat(300)}\r\n.\nHELP\r\nHELP\r\n.\r\n`, "normalize", 100);
    assert.equal(r.outcome?.kind, "too_large");
    assert.equal(r.rest, "");
  });

  it("accepts a single 64 KiB line and a long message without line limits", () => {
    const line = "y".repeat(64 * 1024);
    assert.equal(message(run(`${line}\r\n.\r\n`, "normalize", 1_000_000, 1000)), `${line}\r\n`);
  });
});
