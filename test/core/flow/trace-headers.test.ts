// The header reading and edits every stage shares (core/flow/trace-headers.ts): fields are split
// once per message and asked for by name, so the answers must not depend on who asked first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countReceived, headerValues, stripHeader, stripOwnAuthResults } from "../../../src/core/flow/trace-headers.js";

const message = Buffer.from(
  [
    "Received: from a.example by mx.example.com; Mon, 2 Nov 2026 10:00:00 +0000",
    "Received: from b.example\r\n\tby a.example; Mon, 2 Nov 2026 09:59:00 +0000",
    "Authentication-Results: mx.example.com; spf=pass (forged)",
    "Authentication-Results: other.example; dkim=pass",
    "From: =?UTF-8?B?w4lsaXNl?= <elise@partner.example>",
    "X-A.B: dotted",
    "X-AxB: not the dotted one",
    "Subject : spaced before the colon",
    "Subject: Caf\u00c3\u00a9 second",
    "",
    "Body line with From: in it",
    "",
  ].join("\r\n"),
  "latin1",
);

describe("header fields of a message", () => {
  it("gives every field of a name, unfolded, in order, whatever the case of the name", () => {
    assert.deepEqual(headerValues(message, "received"), ["from a.example by mx.example.com; Mon, 2 Nov 2026 10:00:00 +0000", "from b.example\tby a.example; Mon, 2 Nov 2026 09:59:00 +0000"]);
    assert.deepEqual(headerValues(message, "SUBJECT"), ["spaced before the colon", "Café second"]);
    assert.deepEqual(headerValues(message, "from"), ["=?UTF-8?B?w4lsaXNl?= <elise@partner.example>"]);
    assert.deepEqual(headerValues(message, "x-missing"), []);
  });

  it("takes a name literally, not as a pattern", () => {
    assert.deepEqual(headerValues(message, "X-A.B"), ["dotted"]);
    assert.deepEqual(headerValues(message, "X-A.*"), []);
  });

  it("never reads the body", () => {
    assert.deepEqual(headerValues(message, "body line with from"), []);
    assert.equal(headerValues(message, "from").length, 1);
  });

  it("counts Received fields", () => {
    assert.equal(countReceived(message), 2);
    assert.equal(countReceived(Buffer.from("Subject: none\r\n\r\nx")), 0);
  });

  it("strips fields by name and keeps the rest byte for byte", () => {
    const stripped = stripHeader(message, "x-a.b");
    assert.equal(headerValues(stripped, "x-a.b").length, 0);
    assert.deepEqual(headerValues(stripped, "x-axb"), ["not the dotted one"]);
    assert.equal(stripped.toString("latin1"), message.toString("latin1").replace("X-A.B: dotted\r\n", ""));
    assert.equal(stripHeader(message, "x-absent"), message, "nothing to strip: the same buffer");
  });

  it("strips only the Authentication-Results that claim our name", () => {
    const stripped = stripOwnAuthResults(message, "MX.example.com");
    assert.deepEqual(headerValues(stripped, "authentication-results"), ["other.example; dkim=pass"]);
    assert.equal(stripped.length, message.length - "Authentication-Results: mx.example.com; spf=pass (forged)\r\n".length);
    assert.equal(stripOwnAuthResults(message, "nobody.example"), message);
  });

  it("reads a message that is only a header", () => {
    assert.deepEqual(headerValues(Buffer.from("Subject: only\r\n"), "subject"), ["only"]);
  });
});
