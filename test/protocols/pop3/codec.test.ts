// The POP3 codec against RFC 1939 / RFC 2449 wire examples: command lines, replies, and the
// byte-stuffing of RETR and TOP bodies (test plan POP-06).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { uidlOf } from "../../../src/core/maildrop/maildrop.js";
import { commandLineLimit, parseCommand, parseNumber } from "../../../src/protocols/pop3/codec/command.js";
import { err, messageBody, multiline, ok } from "../../../src/protocols/pop3/codec/reply.js";

describe("POP3 command lines", () => {
  const cases: Array<[string, string, string[], string]> = [
    ["STAT", "STAT", [], ""],
    ["list 2", "LIST", ["2"], "2"],
    ["TOP 1 10", "TOP", ["1", "10"], "1 10"],
    ["PASS two words", "PASS", ["two", "words"], "two words"],
    ["AUTH PLAIN AGFsaWNlAHB3", "AUTH", ["PLAIN", "AGFsaWNlAHB3"], "PLAIN AGFsaWNlAHB3"],
  ];
  for (const [line, keyword, args, rest] of cases) {
    it(`parses ${JSON.stringify(line)}`, () => {
      assert.deepEqual(parseCommand(Buffer.from(line)), { ok: true, command: { keyword, args, rest } });
    });
  }

  for (const line of ["", "X", "TOOLONG", "12 3", " STAT"]) {
    it(`refuses the keyword of ${JSON.stringify(line)} as unknown`, () => {
      assert.deepEqual(parseCommand(Buffer.from(line)), { ok: false, error: "Unknown command" });
    });
  }

  for (const line of ["USER a\0b", "USER a\x1bb", "STAT\x7f"]) {
    it(`refuses control characters in ${JSON.stringify(line)} (POP-09)`, () => {
      assert.equal(parseCommand(Buffer.from(line, "latin1")).ok, false);
    });
  }

  it("refuses a line that is not UTF-8", () => {
    assert.equal(parseCommand(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xff])).ok, false);
  });

  it("allows 253 octets plus CRLF (RFC 2449 §4), longer only for AUTH and PASS", () => {
    assert.equal(commandLineLimit(Buffer.from("LIST 1")), 253);
    assert.equal(commandLineLimit(Buffer.from("pass x")), 8192);
    assert.equal(commandLineLimit(Buffer.from("AUTH PLAIN")), 8192);
  });

  it("reads message numbers as plain decimals only", () => {
    assert.equal(parseNumber("1"), 1);
    assert.equal(parseNumber("007"), 7);
    for (const bad of [undefined, "", "-1", "+1", "1.0", "0x10", "1e3", "9999999999"]) assert.equal(parseNumber(bad), null, String(bad));
  });
});

describe("POP3 replies", () => {
  it("writes status lines with RFC 3206 response codes", () => {
    assert.equal(ok("2 320"), "+OK 2 320\r\n");
    assert.equal(ok(""), "+OK\r\n");
    assert.equal(err("Authentication failed", "AUTH"), "-ERR [AUTH] Authentication failed\r\n");
    assert.equal(err("No such message"), "-ERR No such message\r\n");
  });

  it("ends a multi-line reply with a lone dot and stuffs lines starting with one", () => {
    assert.equal(multiline("2 messages", ["1 120", "2 200"]), "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n");
    assert.equal(multiline("none", []), "+OK none\r\n.\r\n");
    assert.equal(multiline("x", [".hidden"]), "+OK x\r\n..hidden\r\n.\r\n");
  });

  const raw = "Subject: dots\r\n.X-Header: odd\r\n\r\n.\r\n..two\r\nline 3\r\n.end";
  it("byte-stuffs RETR output and always ends with CRLF . CRLF (POP-06)", () => {
    assert.equal(messageBody(Buffer.from(raw)).toString(), "Subject: dots\r\n..X-Header: odd\r\n\r\n..\r\n...two\r\nline 3\r\n..end\r\n.\r\n");
  });

  it("sends the header, the blank line and n body lines for TOP (RFC 1939 §7)", () => {
    assert.equal(messageBody(Buffer.from(raw), 0).toString(), "Subject: dots\r\n..X-Header: odd\r\n\r\n.\r\n");
    assert.equal(messageBody(Buffer.from(raw), 2).toString(), "Subject: dots\r\n..X-Header: odd\r\n\r\n..\r\n...two\r\n.\r\n");
    assert.equal(messageBody(Buffer.from(raw), 99).toString(), messageBody(Buffer.from(raw)).toString());
  });

  it("puts CRLF on the wire for lines stored with a bare LF", () => {
    assert.equal(messageBody(Buffer.from("A: b\n\nbody\n.x\n")).toString(), "A: b\r\n\r\nbody\r\n..x\r\n.\r\n");
  });

  it("mixes CRLF and bare-LF lines, ends an unterminated last line, and starts with the +OK line given", () => {
    const body = messageBody(Buffer.from("A: b\r\n\r\nx\n.y\r\nz\r\n\r\n.\nlast"), undefined, "+OK 9 octets\r\n");
    assert.equal(body.toString(), "+OK 9 octets\r\nA: b\r\n\r\nx\r\n..y\r\nz\r\n\r\n..\r\nlast\r\n.\r\n");
    assert.equal(messageBody(Buffer.from("A: b\r\n\r\nx\n.y\r\nz\r\n"), 1).toString(), "A: b\r\n\r\nx\r\n.\r\n");
  });

  it("sends an empty message as the terminator alone", () => {
    assert.equal(messageBody(Buffer.alloc(0)).toString(), ".\r\n");
  });
});

describe("UIDL", () => {
  it("is UID then UIDVALIDITY as eight hex digits each (Dovecot's %08Xu%08Xv)", () => {
    assert.equal(uidlOf(1_764_000_000, 42), "0000002A69248100");
    assert.match(uidlOf(4_294_967_295, 4_294_967_295), /^[\x21-\x7e]{1,70}$/);
  });
});
