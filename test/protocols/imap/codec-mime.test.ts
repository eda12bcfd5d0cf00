// The IMAP codec pieces the FETCH command will use: string quoting (RFC 3501 §4.3), ENVELOPE
// address lists, section specs and BODY[section] bytes (§6.4.5). Tables of values ↔ wire text.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indexMessage } from "../../../src/mail/mime/index-message.js";
import { formatEnvelope } from "../../../src/protocols/imap/codec/bodystructure.js";
import { parseSectionSpec, sectionBytes, type SectionSpec } from "../../../src/protocols/imap/codec/section.js";
import { imapLiteralBytes, imapNString, imapString, imapStringList } from "../../../src/protocols/imap/codec/strings.js";

describe("IMAP strings (RFC 3501 §4.3)", () => {
  const cases: [string, string][] = [
    ["plain", '"plain"'],
    ["", '""'],
    ['say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ["two\r\nlines", "{10}\r\ntwo\r\nlines"],
    ["bare\nLF", "{7}\r\nbare\nLF"],
    ["Café", "{5}\r\nCafé"],
    ["nul\0byte", "{10}\r\nnul\uFFFDbyte"],
    ["x".repeat(1001), `{1001}\r\n${"x".repeat(1001)}`],
  ];
  for (const [value, wire] of cases) {
    it(`writes ${JSON.stringify(value.slice(0, 20))}`, () => assert.equal(imapString(value), wire));
  }

  it("writes NIL for null and for an empty list", () => {
    assert.equal(imapNString(null), "NIL");
    assert.equal(imapStringList([]), "NIL");
    assert.equal(imapStringList(["en", "de"]), '("en" "de")');
  });

  it("writes raw bytes as a literal counted in octets", () => {
    assert.deepEqual(imapLiteralBytes(Buffer.from([0xff, 0x0d, 0x0a])), Buffer.from([0x7b, 0x33, 0x7d, 0x0d, 0x0a, 0xff, 0x0d, 0x0a]));
  });
});

describe("ENVELOPE addresses (RFC 3501 §7.4.2)", () => {
  it("writes groups, routes, comments as names and missing parts as Dovecot does", () => {
    const raw = Buffer.from(
      [
        'From: "Doe, John" <@relay.example:john@example.com>',
        "To: team: a@example.com, (Bee) b@example.com;, c@example.com (Cee)",
        "Cc: undisclosed-recipients:;",
        "Bcc: nobody, <>",
        "",
        "",
      ].join("\r\n"),
    );
    assert.equal(
      formatEnvelope(indexMessage(raw).envelope),
      '(NIL NIL (("Doe, John" "@relay.example" "john" "example.com")) (("Doe, John" "@relay.example" "john" "example.com")) ' +
        '(("Doe, John" "@relay.example" "john" "example.com")) ' +
        '((NIL NIL "team" NIL)(NIL NIL "a" "example.com")(NIL NIL "b" "example.com")(NIL NIL NIL NIL)("Cee" NIL "c" "example.com")) ' +
        '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) ' +
        '((NIL NIL "nobody" "MISSING_DOMAIN")(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN")) NIL NIL)',
    );
  });
});

describe("section specs (RFC 3501 §6.4.5)", () => {
  const cases: [string, SectionSpec | null][] = [
    ["", { path: [], kind: "full" }],
    ["1.2.3", { path: [1, 2, 3], kind: "full" }],
    ["HEADER", { path: [], kind: "header" }],
    ["2.header", { path: [2], kind: "header" }],
    ["1.2.TEXT", { path: [1, 2], kind: "text" }],
    ["3.MIME", { path: [3], kind: "mime" }],
    ['HEADER.FIELDS (From "To" subject)', { path: [], kind: "fields", fields: ["From", "To", "subject"] }],
    ["2.HEADER.FIELDS.NOT (Received)", { path: [2], kind: "fields-not", fields: ["Received"] }],
    ["MIME", null],
    ["0", null],
    ["1.", null],
    ["1X", null],
    ["HEADER.FIELDS ()", null],
    ["BODY", null],
  ];
  for (const [text, spec] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseSectionSpec(text), spec));
  }
});

describe("BODY[section] bytes", () => {
  const raw = Buffer.from(
    [
      "Subject: outer",
      "Content-Type: multipart/mixed; boundary=b",
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "leaf",
      "--b",
      "Content-Type: message/rfc822",
      "",
      "Subject: inner",
      "X-Folded: one",
      " two",
      "",
      "inner body",
      "--b--",
      "",
    ].join("\n"),
  );
  const { structure } = indexMessage(raw);
  const bytes = (text: string): string => sectionBytes(raw, structure, parseSectionSpec(text)!).toString();

  it("cuts parts, MIME headers and the encapsulated message's header and text", () => {
    assert.equal(bytes("1"), "leaf");
    assert.equal(bytes("1.MIME"), "Content-Type: text/plain\n\n");
    assert.equal(bytes("2.HEADER"), "Subject: inner\nX-Folded: one\n two\n\n");
    assert.equal(bytes("2.TEXT"), "inner body");
    assert.equal(bytes("2.1"), "inner body");
    assert.equal(bytes("2.HEADER.FIELDS (x-folded)"), "X-Folded: one\n two\n\n");
    assert.equal(bytes("2.HEADER.FIELDS.NOT (X-FOLDED)"), "Subject: inner\n\n");
    assert.equal(bytes(""), raw.toString());
  });

  it("answers sections that do not exist with no bytes", () => {
    assert.equal(bytes("3"), "");
    assert.equal(bytes("1.HEADER"), "");
    assert.equal(bytes("2.2"), "");
  });

  it("treats a leaf as its own part 1, as Dovecot does", () => {
    assert.equal(bytes("1.1"), "leaf");
    assert.equal(bytes("1.1.MIME"), bytes("1.MIME"));
  });
});
