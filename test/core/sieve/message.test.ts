// sieveMessageOf: what a script sees of a raw message.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sieveMessageOf } from "../../../src/core/sieve/index.js";
import { actions, message } from "./sieve-support.js";

const raw = [
  "Received: from a by b; Tue, 1 Apr 1997 09:06:31 -0800",
  "Received: from c by d;",
  "\tTue, 1 Apr 1997 09:05:00 -0800",
  "From: =?utf-8?q?Boss=40corp=2Eexample=2C?= <attacker@evil.example>",
  "To: =?iso-8859-1?q?J=F6rg?= <joerg@example.com>",
  "Subject: =?utf-8?b?w6nDqMOg?= plain   ",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=iso-8859-1",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Gr=FC=DFe aus K=F6ln",
  "",
].join("\r\n");

describe("sieveMessageOf", () => {
  const msg = sieveMessageOf(Buffer.from(raw, "latin1"), { from: "bounce@evil.example", to: "joerg@example.com" });

  it("header(): every field of the name, unfolded, RFC 2047-decoded, trailing blanks dropped", () => {
    assert.deepEqual(msg.header("RECEIVED"), ["from a by b; Tue, 1 Apr 1997 09:06:31 -0800", "from c by d;\tTue, 1 Apr 1997 09:05:00 -0800"]);
    assert.deepEqual(msg.header("subject"), ["éèà plain"]);
    assert.deepEqual(msg.header("to"), ["Jörg <joerg@example.com>"]);
    assert.deepEqual(msg.header("x-absent"), []);
  });

  it("size and envelope as given", () => {
    assert.equal(msg.size, Buffer.byteLength(raw, "latin1"));
    assert.deepEqual(msg.envelope, { from: "bounce@evil.example", to: "joerg@example.com" });
  });

  it("an RFC 2047 display name cannot pass for an address in the address test", () => {
    const m = message(raw);
    assert.deepEqual(actions('if address :is "from" "boss@corp.example" { discard; }', m), ["keep"]);
    assert.deepEqual(actions('if address :is "from" "attacker@evil.example" { discard; }', m), ["discard"]);
    // The header test does see the decoded name, as RFC 5228 §5.7 asks.
    assert.deepEqual(actions('if header :contains "from" "Boss@corp.example," { discard; }', m), ["discard"]);
  });

  it("body(): :text decodes quoted-printable and the charset; :raw does not", () => {
    assert.deepEqual(msg.body({ kind: "text" }), ["Grüße aus Köln\r\n"]);
    assert.deepEqual(msg.body({ kind: "raw" }), ["Gr=FC=DFe aus K=F6ln\r\n"]);
    assert.deepEqual(msg.body({ kind: "content", types: ["text/plain"] }), ["Grüße aus Köln\r\n"]);
    assert.deepEqual(msg.body({ kind: "content", types: ["image"] }), []);
  });

  it("body() reads at most maxBodyBytes", () => {
    const big = Buffer.from(`Subject: big\r\n\r\n${"x".repeat(5000)}needle\r\n`);
    const small = sieveMessageOf(big, { from: "", to: "me@example.com" }, { maxBodyBytes: 1000 });
    assert.ok(!small.body({ kind: "raw" })[0]!.includes("needle"));
    assert.ok(sieveMessageOf(big, { from: "", to: "me@example.com" }).body({ kind: "text" })[0]!.includes("needle"));
  });

  it("a message without a body or header still works", () => {
    const bare = sieveMessageOf(Buffer.from("Subject: only a header\r\n"), { from: "", to: "me@example.com" });
    assert.deepEqual(bare.header("subject"), ["only a header"]);
    assert.deepEqual(bare.body({ kind: "text" }), [""]);
    assert.deepEqual(sieveMessageOf(Buffer.alloc(0), { from: "", to: "x@y.example" }).header("from"), []);
  });

  it("base64 text in a nested message/rfc822 part is found by :text", () => {
    const nested = message(`From: a@b.example
Content-Type: multipart/mixed; boundary=X

--X
Content-Type: message/rfc822

From: inner@c.example
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

${Buffer.from("forwarded secret ünïcode").toString("base64")}
--X--
`);
    assert.deepEqual(actions('require "body"; if body :text :contains "secret ünïcode" { discard; }', nested), ["discard"]);
  });
});
