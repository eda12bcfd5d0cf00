// tagSubject: "[External]" in front of the Subject, once, with valid folding and RFC 2047
// words where 8-bit text is involved; every other byte of the message unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readHeaderBlock } from "../../src/mail/mime/header-block.js";
import { tagSubject } from "../../src/mail/rewrite/index.js";
import { loadMessage } from "../support/mail-fixtures.js";
import { mail, parsed } from "./rewrite-support.js";

const TAG = "[External]";

/** The message without its Subject field(s): what must come out byte for byte. */
function withoutSubject(raw: Buffer): Buffer {
  const header = readHeaderBlock(raw, 0, raw.length);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const f of header.fields) {
    if (f.name.toLowerCase() !== "subject") continue;
    pieces.push(raw.subarray(at, f.start));
    at = f.end;
  }
  pieces.push(raw.subarray(at));
  return Buffer.concat(pieces);
}

function headerLines(raw: Buffer): string[] {
  const header = readHeaderBlock(raw, 0, raw.length);
  return raw.toString("latin1", 0, header.end).split(/\r?\n/);
}

const simple = mail(["From: Alice <alice@partner.example>", "To: bob@example.com", "Subject: Quarterly numbers", "MIME-Version: 1.0", "", "Body line", ""]);

describe("tagSubject", () => {
  it("puts an ASCII tag before an ASCII subject, the rest byte for byte", async () => {
    const out = tagSubject(simple, TAG);
    assert.match(out.toString("latin1"), /\r\nSubject: \[External\] Quarterly numbers\r\n/);
    assert.ok(withoutSubject(out).equals(withoutSubject(simple)));
    assert.equal((await parsed(out)).subject, "[External] Quarterly numbers");
  });

  it("tags once: an already tagged subject, plain or encoded, is left alone", () => {
    const once = tagSubject(simple, TAG);
    assert.ok(tagSubject(once, TAG).equals(once));
    const encoded = mail(["From: a@b.example", "Subject: =?UTF-8?Q?=5BExternal=5D_Gr=C3=BC=C3=9Fe?=", "", "x"]);
    assert.ok(tagSubject(encoded, TAG).equals(encoded));
  });

  it("adds a Subject at the end of the header when there is none", async () => {
    const raw = mail(["Received: from x by y; Mon, 2 Mar 2026 08:00:00 +0000", "From: a@b.example", "To: c@d.example", "", "Hello", ""]);
    const out = tagSubject(raw, TAG);
    assert.equal(out.toString("latin1"), raw.toString("latin1").replace("To: c@d.example\r\n", "To: c@d.example\r\nSubject: [External]\r\n"));
    assert.equal((await parsed(out)).subject, TAG);
  });

  it("adds a Subject to a message with an empty header section", async () => {
    const raw = loadMessage("moat_07_no_headers_body_only.eml");
    const out = tagSubject(raw, TAG);
    assert.ok(out.subarray(out.length - raw.length).equals(raw));
    assert.equal((await parsed(out)).subject, TAG);
  });

  it("keeps the encoded-words of an RFC 2047 subject and reads as tag + subject", async () => {
    const raw = loadMessage("moat_01_rfc2047_cjk.eml");
    const before = (await parsed(raw)).subject;
    const out = tagSubject(raw, TAG);
    assert.equal((await parsed(out)).subject, `${TAG} ${before}`);
    assert.ok(withoutSubject(out).equals(withoutSubject(raw)));
  });

  it("encodes an 8-bit (RFC 6532) subject as RFC 2047 words", async () => {
    const raw = Buffer.from("From: a@b.example\r\nSubject: Grüße aus Köln\r\nTo: c@d.example\r\n\r\nx\r\n", "utf8");
    const out = tagSubject(raw, TAG);
    assert.ok(out.every((b) => b < 0x80), "the header is 7-bit");
    assert.equal((await parsed(out)).subject, "[External] Grüße aus Köln");
    assert.ok(withoutSubject(out).equals(withoutSubject(raw)));
  });

  it("encodes a non-ASCII tag and keeps the space before an encoded subject", async () => {
    const raw = mail(["From: a@b.example", "Subject: =?UTF-8?B?5pel5pys6Kqe?=", "", "x"]);
    const out = tagSubject(raw, "[Extern – Achtung]");
    assert.equal((await parsed(out)).subject, "[Extern – Achtung] 日本語");
    assert.ok(tagSubject(out, "[Extern – Achtung]").equals(out));
  });

  it("folds: the tagged first line stays within 78 columns, encoded words on every line", async () => {
    const long = "A very long subject line ".repeat(6).trim();
    for (const subject of [long, `Grüße ${long} 日本語`]) {
      const raw = Buffer.from(`From: a@b.example\r\nSubject: ${subject}\r\nTo: c@d.example\r\n\r\nx\r\n`, "utf8");
      const out = tagSubject(raw, TAG);
      const lines = headerLines(out);
      const first = lines.findIndex((l) => l.startsWith("Subject:"));
      const field = [lines[first]!, ...lines.slice(first + 1).filter((l, i, rest) => rest.slice(0, i + 1).every((p) => /^[ \t]/.test(p)))];
      // An ASCII subject keeps its own bytes on the continuation line; an encoded one is folded whole.
      for (const line of subject === long ? field.slice(0, 1) : field) assert.ok(line.length <= 78, `${line.length}: ${line}`);
      assert.equal((await parsed(out)).subject, `${TAG} ${subject}`);
    }
  });

  it("moves an ASCII subject to a continuation line rather than lengthen its first line", () => {
    const subject = "x".repeat(70);
    const out = tagSubject(mail(["From: a@b.example", `Subject: ${subject}`, "", "x"]), TAG);
    assert.match(out.toString("latin1"), new RegExp(`\\r\\nSubject: \\[External\\]\\r\\n ${subject}\\r\\n`));
  });

  it("keeps bare LF line ends", async () => {
    for (const subject of ["Plain", "Grüße"]) {
      const out = tagSubject(Buffer.from(`From: a@b.example\nSubject: ${subject}\n\nx\n`, "utf8"), TAG);
      assert.ok(!out.includes("\r"));
      assert.equal((await parsed(out)).subject, `[External] ${subject}`);
    }
  });

  it("returns the message unchanged for an empty tag, and never throws", () => {
    assert.ok(tagSubject(simple, "  ").equals(simple));
    for (const junk of [Buffer.alloc(0), Buffer.from("\r\n\r\n"), Buffer.from("Subject:"), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]) {
      assert.doesNotThrow(() => tagSubject(junk, TAG));
    }
  });

  it("a tag cannot add a header line", async () => {
    const out = tagSubject(simple, "[Ext]\r\nBcc: eve@evil.example");
    assert.ok(!out.toString("latin1").includes("\r\nBcc:"));
    assert.equal((await parsed(out)).bcc, undefined);
  });
});
