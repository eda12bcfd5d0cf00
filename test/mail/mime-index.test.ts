// indexMessage on hostile and broken input: the MIME-bomb caps, malformed MIME indexed as far
// as it parses, linear work on huge headers, and the decoded fields (date, subject, body text).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseMailDate } from "../../src/mail/mime/date.js";
import { indexMessage } from "../../src/mail/mime/index-message.js";
import { MAX_MIME_DEPTH, MAX_MIME_PARTS, type MimePart } from "../../src/mail/mime/types.js";
import { formatBodyStructure } from "../../src/protocols/imap/codec/bodystructure.js";
import { parseSectionSpec, sectionBytes } from "../../src/protocols/imap/codec/section.js";
import { parseImapData } from "../support/imap-data.js";

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "latin1");
const lf = (lines: string[]): Buffer => Buffer.from(lines.join("\n"), "latin1");

function section(raw: Buffer, structure: MimePart, spec: string): string {
  const parsed = parseSectionSpec(spec);
  assert.ok(parsed, spec);
  return sectionBytes(raw, structure, parsed).toString("latin1");
}

/** Every part, depth first, with its depth (a message/rfc822's message counts as a level). */
function walk(part: MimePart, depth = 0, out: { part: MimePart; depth: number }[] = []): { part: MimePart; depth: number }[] {
  out.push({ part, depth });
  for (const child of part.parts ?? []) walk(child, depth + 1, out);
  if (part.message !== undefined) walk(part.message.structure, depth + 1, out);
  return out;
}

/** Offsets are inside the message, in order, and BODYSTRUCTURE is valid IMAP data. */
function assertSane(raw: Buffer, structure: MimePart): void {
  for (const { part } of walk(structure)) {
    assert.ok(part.headerStart >= 0 && part.headerStart + part.headerLength === part.bodyStart);
    assert.ok(part.bodyStart + part.bodyLength <= raw.length);
    assert.equal(part.size, part.bodyLength);
  }
  parseImapData(formatBodyStructure(structure, true));
}

describe("caps against MIME bombs (as Dovecot: depth 100, 10,000 parts)", () => {
  it("opens at most 100 levels of multipart; the deepest one is an opaque leaf", () => {
    const lines = ["Content-Type: multipart/mixed; boundary=b0", ""];
    for (let i = 0; i < 150; i++) lines.push(`--b${i}`, `Content-Type: multipart/mixed; boundary=b${i + 1}`, "");
    lines.push("--b150", "", "deep text", "");
    const raw = crlf(lines);
    const { structure } = indexMessage(raw);
    const parts = walk(structure);
    const deepest = Math.max(...parts.map((p) => p.depth));
    assert.equal(deepest, MAX_MIME_DEPTH - 1);
    const leaf = parts.find((p) => p.depth === deepest)!.part;
    assert.equal(leaf.opaque, true);
    assert.equal(leaf.type, "multipart");
    assert.equal(leaf.parts, undefined);
    assertSane(raw, structure);
  });

  it("opens at most 100 levels of message/rfc822; an opaque one is written as application/octet-stream", () => {
    const raw = crlf([...Array.from({ length: 200 }, () => "Content-Type: message/rfc822\r\n"), "hello", ""]);
    const { structure } = indexMessage(raw);
    const parts = walk(structure);
    assert.equal(Math.max(...parts.map((p) => p.depth)), MAX_MIME_DEPTH - 1);
    assert.equal(parts[parts.length - 1]!.part.opaque, true);
    assert.match(formatBodyStructure(structure, true), /"application" "octet-stream"/);
    assertSane(raw, structure);
  });

  it("keeps at most 10,000 parts; after that the rest of the message is the last part's body", () => {
    const raw = crlf(["Content-Type: multipart/mixed; boundary=p", "", ...Array.from({ length: 12_000 }, (_, i) => `--p\r\n\r\npart ${i}`), "--p--", ""]);
    const { structure } = indexMessage(raw);
    assert.equal(walk(structure).length, MAX_MIME_PARTS);
    const last = structure.parts![structure.parts!.length - 1]!;
    assert.equal(last.bodyStart + last.bodyLength, raw.length);
    assertSane(raw, structure);
  });
});

describe("malformed MIME is indexed as far as it parses", () => {
  it("a missing close delimiter ends the last part at the end of the message (bare LF line ends)", () => {
    const raw = lf(["Content-Type: multipart/mixed; boundary=x", "", "--x", "", "one", "--x", "Content-Type: text/html", "", "<p>two", ""]);
    const { structure } = indexMessage(raw);
    assert.equal(structure.parts!.length, 2);
    assert.equal(section(raw, structure, "1"), "one");
    assert.equal(section(raw, structure, "2"), "<p>two\n");
    assert.equal(section(raw, structure, "2.MIME"), "Content-Type: text/html\n\n");
    assert.deepEqual([structure.parts![1]!.size, structure.parts![1]!.lines], [7, 1]);
  });

  it("without a blank line the whole message is header and the body is empty", () => {
    const raw = crlf(["From: a@example.com", "Subject: no body", ""]);
    const index = indexMessage(raw);
    assert.equal(index.subject, "no body");
    assert.equal(section(raw, index.structure, "HEADER"), raw.toString("latin1"));
    assert.equal(section(raw, index.structure, "TEXT"), "");
    assert.deepEqual([index.structure.size, index.structure.lines], [0, 0]);
  });

  it("a header line without a colon does not stop the header", () => {
    const raw = crlf(["From a@b Mon Jan  1 00:00:00 2024", "not a header at all", "Subject: still parsed", "To: c@example.com", "", "body"]);
    const index = indexMessage(raw);
    assert.equal(index.subject, "still parsed");
    assert.deepEqual(index.envelope.to, [[null, null, "c", "example.com"]]);
    assert.equal(section(raw, index.structure, "TEXT"), "body");
  });

  it("an empty message and a lone line end index as an empty text/plain", () => {
    for (const raw of [Buffer.alloc(0), Buffer.from("\r\n")]) {
      const index = indexMessage(raw);
      assert.deepEqual([index.structure.type, index.structure.subtype, index.size], ["text", "plain", raw.length]);
      assert.equal(index.envelope.from, null);
      assertSane(raw, index.structure);
    }
  });

  it("a delimiter inside a part's header ends that part; the next part is intact", () => {
    const raw = crlf(["Content-Type: multipart/mixed; boundary=z", "", "--z", "Content-Type: text/plain", "--z", "", "second", "--z--", ""]);
    const { structure } = indexMessage(raw);
    assert.deepEqual(structure.parts!.map((p) => [p.headerLength, p.size]), [[24, 0], [2, 6]]);
    assert.equal(section(raw, structure, "2"), "second");
  });

  it("unterminated quotes and comments, NUL bytes and an invalid Content-Type do not throw", () => {
    const raw = crlf(['From: "Unclosed <a@b.example>', "To: (never closed", "Content-Type: garbage", "Subject: a\0b", "", "x\0y"]);
    const index = indexMessage(raw);
    assert.deepEqual([index.structure.type, index.structure.subtype], ["text", "plain"]);
    assert.equal(index.envelope.subject, "a\0b");
    assertSane(raw, index.structure);
  });

  it("8-bit headers: UTF-8 (RFC 6532) is read as UTF-8, other bytes are kept one char per byte", () => {
    const raw = Buffer.concat([Buffer.from("Subject: Café\r\nX: "), Buffer.from([0xe9]), Buffer.from("\r\nTo: Jos\xe9 <j@example.com>\r\n\r\n", "latin1")]);
    const index = indexMessage(raw);
    assert.equal(index.envelope.subject, "Café");
    assert.deepEqual(index.envelope.to, [["José", null, "j", "example.com"]]);
  });

  it("random damage to every fixture never throws and keeps the offsets sane", () => {
    let seed = 42;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const dir = "/work/shared/fixtures/mail";
    for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".eml"))) {
      const original = fs.readFileSync(path.join(dir, name));
      for (let round = 0; round < 40; round++) {
        const cut = random(original.length);
        const junk = ["\r\n--", "\n", "\r", '"', "(", "--BOUNDARY\r\n", "Content-Type: multipart/mixed; boundary=x\r\n"][random(7)]!;
        const raw = Buffer.concat([original.subarray(0, cut), Buffer.from(junk), original.subarray(cut + random(20))]);
        assertSane(raw, indexMessage(raw).structure);
      }
    }
  });
});

describe("MIME defaults", () => {
  it("parts of a multipart/digest without Content-Type are message/rfc822 (RFC 2046 §5.1.5)", () => {
    const raw = crlf(["Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: first", "", "one", "--d--", ""]);
    const { structure } = indexMessage(raw);
    const part = structure.parts![0]!;
    assert.deepEqual([part.type, part.subtype, part.message?.envelope.subject], ["message", "rfc822", "first"]);
    assert.equal(section(raw, structure, "1.TEXT"), "one");
  });

  it("Content-* fields of a message that is not MIME are ignored, as Dovecot does", () => {
    const { structure } = indexMessage(crlf(["Content-Disposition: attachment", "Content-Transfer-Encoding: base64", "", "x"]));
    assert.deepEqual([structure.disposition, structure.encoding], [null, null]);
    const mime = indexMessage(crlf(["MIME-Version: 1.0", "Content-Disposition: attachment", "", "x"])).structure;
    assert.equal(mime.disposition, "attachment");
  });
});

describe("linear work on huge headers (completes; no timing asserted)", () => {
  it("indexes a 10,000-field header", () => {
    const raw = crlf([...Array.from({ length: 10_000 }, (_, i) => `Received: from host${i}.example (10.0.0.${i % 250})`), "Subject: last", "", "body"]);
    const index = indexMessage(raw);
    assert.equal(index.subject, "last");
    assert.equal(section(raw, index.structure, "HEADER.FIELDS (SUBJECT)"), "Subject: last\r\n\r\n");
    assert.equal(section(raw, index.structure, "HEADER.FIELDS.NOT (RECEIVED)"), "Subject: last\r\n\r\n");
  });

  it("indexes 10,000 colon-less header lines and 10,000 addresses in one field", () => {
    const raw = crlf([...Array.from({ length: 10_000 }, () => "no colon here"), `To: ${Array.from({ length: 10_000 }, (_, i) => `u${i}@example.com`).join(", ")}`, "", "x"]);
    const index = indexMessage(raw);
    assert.equal(index.envelope.to?.length, 10_000);
  });
});

describe("decoded fields", () => {
  it("parses RFC 5322 dates, obsolete forms included, and rejects others", () => {
    const cases: [string, string | null][] = [
      ["Fri, 4 May 2001 14:05:44 -0400", "2001-05-04T18:05:44.000Z"],
      ["Fri, 6 Apr 2001 09:23:06 -0800 (GMT-0800)", "2001-04-06T17:23:06.000Z"],
      ["4 May 01 14:05 EDT", "2001-05-04T18:05:00.000Z"],
      ["Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)", "1969-02-14T03:02:00.000Z"],
      ["1 Jan 99 00:00:00 GMT", "1999-01-01T00:00:00.000Z"],
      ["yesterday", null],
      ["32 Jan 2020 10:00 +0000", null],
    ];
    for (const [value, iso] of cases) assert.equal(parseMailDate(value) === null ? null : new Date(parseMailDate(value)!).toISOString(), iso, value);
  });

  it("decodes the subject (RFC 2047) and keeps the envelope subject raw", () => {
    const index = indexMessage(crlf(["Subject: =?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?4oKs?=", "Message-ID:  <id-1@example.com> (comment)", "", ""]));
    assert.equal(index.subject, "Café€");
    assert.equal(index.envelope.subject, "=?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?4oKs?=");
    assert.equal(index.messageId, "<id-1@example.com>");
  });

  it("extracts body text: transfer and charset decoding, HTML without script or style", () => {
    const raw = crlf([
      "Content-Type: multipart/alternative; boundary=a", "", "--a",
      "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "", "Caf=E9 cr=\r\nème", "--a",
      "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "",
      Buffer.from("<style>p{}</style><p>Hello &amp; <b>bye</b></p><script>evil()</script>").toString("base64"), "--a",
      "Content-Type: application/octet-stream", "", "not text", "--a--", "",
    ]);
    assert.equal(indexMessage(raw).bodyText, "Café crème\nHello & bye");
  });

  it("caps body text at 1 MiB", () => {
    const raw = Buffer.from(`Content-Type: text/plain\r\n\r\n${"é".repeat(1024 * 1024)}`);
    assert.equal(Buffer.byteLength(indexMessage(raw).bodyText), 1024 * 1024);
  });

  it("decodes attachment names (RFC 2231 continuations and RFC 2047) for people, not for IMAP", () => {
    const raw = crlf([
      "Content-Type: application/pdf; name=\"=?UTF-8?Q?R=C3=A9sum=C3=A9.pdf?=\"",
      "Content-Disposition: attachment; filename*0*=UTF-8''%E6%8A%A5%E5%91%8A; filename*1=.pdf", "", "x",
    ]);
    const { structure } = indexMessage(raw);
    assert.equal(structure.filename, "报告.pdf");
    assert.deepEqual(structure.dispositionParams, [["filename*", "UTF-8''%E6%8A%A5%E5%91%8A.pdf"]]);
  });
});
