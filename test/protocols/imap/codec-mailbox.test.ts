// Mailbox names: modified UTF-7 (RFC 3501 §5.1.3) both ways, strictly, and the name checks
// against traversal and abuse (test plan A2.3, IMAP-13, IMAP-17, IMAP-18, IMAP-19).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapParseError } from "../../../src/protocols/imap/codec/codes.js";
import { checkMailboxName, encodeMailboxName, parseMailbox } from "../../../src/protocols/imap/codec/mailbox.js";
import { decodeMailboxUtf7, encodeMailboxUtf7 } from "../../../src/protocols/imap/codec/mutf7.js";

describe("modified UTF-7 (RFC 3501 §5.1.3)", () => {
  const pairs: [string, string][] = [
    ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"], // RFC 3501 §5.1.3's example
    ["&", "&-"],
    ["Tom & Jerry", "Tom &- Jerry"],
    ["Entwürfe", "Entw&APw-rfe"],
    ["Gel\u00f6scht", "Gel&APY-scht"],
    ["😀", "&2D3eAA-"], // a surrogate pair
    ["a\u00e9\u00e9b", "a&AOkA6Q-b"],
    ["INBOX", "INBOX"],
    ["", ""],
  ];
  for (const [name, wire] of pairs) {
    it(`${JSON.stringify(name)} ↔ ${wire}`, () => {
      assert.equal(encodeMailboxUtf7(name), wire);
      assert.equal(decodeMailboxUtf7(wire), name);
    });
  }
  const invalid: [string, string][] = [
    ["&AGE-", "an ASCII letter encoded (non-canonical)"],
    ["&AGEAYgBj-", "'abc' encoded (IMAP-18)"],
    ["&AGE", "unterminated"],
    ["&", "lone &"],
    ["a&", "trailing &"],
    ["&&-", "& inside a run"],
    ["&AOk-&AOk-", "two runs that should be one"],
    ["&AOl-", "non-zero padding bits"],
    ["&A-", "a partial character"],
    ["&AO-", "a partial character (12 bits)"],
    ["&2AA-", "a lone high surrogate"],
    ["&3AA-", "a lone low surrogate"],
    ["&2D3YPQ-", "a high surrogate followed by a high surrogate"],
    ["&AOk/-", "'/' instead of ','"],
    ["&AOk=-", "padding"],
    ["caf\u00e9", "raw 8-bit"],
    ["a\tb", "a control character"],
    ["&ACY-", "'&' encoded instead of &-"],
  ];
  for (const [wire, why] of invalid) {
    it(`refuses ${JSON.stringify(wire)}: ${why}`, () => assert.throws(() => decodeMailboxUtf7(wire), ImapParseError));
  }
  it("round-trips every BMP character outside printable ASCII", () => {
    let all = "";
    for (let c = 0; c < 0x10000; c++) if ((c < 0x20 || c > 0x7e) && (c < 0xd800 || c > 0xdfff)) all += String.fromCharCode(c);
    assert.equal(decodeMailboxUtf7(encodeMailboxUtf7(all)), all);
  });
});

describe("checkMailboxName (test plan A2.3)", () => {
  const accepted: [string, string][] = [
    ["INBOX", "INBOX"],
    ["inbox", "INBOX"],
    ["InBoX/Sub", "INBOX/Sub"],
    ["INBOXES", "INBOXES"],
    ["Archive/2026/Q1", "Archive/2026/Q1"],
    ["a.b..c", "a.b..c"],
    ["back\\slash", "back\\slash"],
    ["x".repeat(1024), "x".repeat(1024)],
    [Array.from({ length: 32 }, () => "d").join("/"), Array.from({ length: 32 }, () => "d").join("/")],
  ];
  for (const [name, normal] of accepted) it(`accepts ${JSON.stringify(name.slice(0, 30))}`, () => assert.equal(checkMailboxName(name), normal));

  const refused: [string, string][] = [
    ["", "CANNOT"],
    ["..", "CANNOT"],
    ["../other", "CANNOT"],
    ["INBOX/../../etc", "CANNOT"],
    ["a/./b", "CANNOT"],
    ["/abs", "CANNOT"],
    ["trailing/", "CANNOT"],
    ["a//b", "CANNOT"],
    ["nul\0byte", "CANNOT"],
    ["cr\rlf\n", "CANNOT"],
    ["del\u007f", "CANNOT"],
    ["c1\u0085", "CANNOT"],
    ["wild*", "CANNOT"],
    ["%2e%2e", "CANNOT"],
    ["x".repeat(1025), "LIMIT"],
    ["é".repeat(513), "LIMIT"],
    [Array.from({ length: 33 }, () => "d").join("/"), "LIMIT"],
  ];
  for (const [name, code] of refused) {
    it(`refuses ${JSON.stringify(name.slice(0, 30))} with NO [${code}]`, () =>
      assert.throws(() => checkMailboxName(name), (err: unknown) => err instanceof ImapParseError && err.status === "NO" && err.code?.code === code));
  }

  it("checks names after decoding: &AC4-&AC4- is not a way around '..'", () => {
    assert.throws(() => parseMailbox({ type: "string", value: Buffer.from("&AC4ALg-"), form: "quoted" }), ImapParseError);
    assert.throws(() => parseMailbox({ type: "string", value: Buffer.from("a/&AAA-"), form: "quoted" }), ImapParseError);
  });

  it("under UTF8=ACCEPT names are UTF-8 and '&' is plain", () => {
    assert.equal(parseMailbox({ type: "string", value: Buffer.from("Entwürfe & Co"), form: "quoted" }, true), "Entwürfe & Co");
    assert.equal(encodeMailboxName("Entwürfe & Co", true), "Entwürfe & Co");
    assert.equal(encodeMailboxName("Entwürfe & Co"), "Entw&APw-rfe &- Co");
    assert.throws(() => parseMailbox({ type: "string", value: Buffer.from([0xc3, 0x28]), form: "literal" }, true), ImapParseError);
  });
});
