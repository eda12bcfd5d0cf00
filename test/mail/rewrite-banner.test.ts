// insertBanner: the banner at the top of the first inline text/plain and text/html parts, the
// MIME tree and every other part's bytes unchanged, the text re-encoded as it came.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage } from "../../src/mail/mime/structure.js";
import { insertBanner } from "../../src/mail/rewrite/index.js";
import { loadMessage } from "../support/mail-fixtures.js";
import { assertLineLengths, BANNER, bodyOf, compare, entityOf, mail, param, parsed, partText } from "./rewrite-support.js";

const SUBTYPE = (subtype: string) => (p: { type: string; subtype: string }) => p.type === "text" && p.subtype === subtype;

/** Every leaf but the rewritten ones keeps its header and body bytes. */
function assertOthersIntact(before: Buffer, after: Buffer, rewritten: readonly number[]): void {
  const { old, now } = compare(before, after);
  old.forEach((part, i) => {
    if (!rewritten.includes(i)) assert.ok(entityOf(after, now[i]!).equals(entityOf(before, part)), `part ${i} (${part.type}/${part.subtype}) changed`);
  });
}

describe("insertBanner on the shared fixtures", () => {
  it("multipart/alternative: the banner tops both the text and the HTML, the inline image is intact", async () => {
    const raw = loadMessage("moat_02_related_inline_image.eml");
    const out = insertBanner(raw, BANNER);
    const { old, now } = compare(raw, out);
    assertOthersIntact(raw, out, [0, 1]);
    const plain = now.findIndex(SUBTYPE("plain"));
    const html = now.findIndex(SUBTYPE("html"));
    assert.ok(partText(out, now[plain]!).startsWith(`${BANNER}\r\n\r\n${partText(raw, old[plain]!)}`));
    const htmlText = partText(out, now[html]!);
    assert.match(htmlText, /^<html><body><div style="[^"]+">This message came from outside your organisation: Alice\. Be careful with links and attachments\.<\/div>\r\n<p>Deals €10<\/p>/);
    assert.equal(now[html]!.encoding, "quoted-printable");
    assertLineLengths(out, now[html]!, 76);
    const mailparser = await parsed(out);
    assert.ok(mailparser.text?.startsWith(BANNER));
    assert.ok(typeof mailparser.html === "string" && mailparser.html.includes(`>${BANNER}</div>`));
    assert.ok(mailparser.attachments[0]?.content.equals((await parsed(raw)).attachments[0]!.content));
  });

  it("a forwarded message/rfc822 is left alone, the outer text gets the banner", async () => {
    const raw = loadMessage("moat_03_forwarded_rfc822.eml");
    const out = insertBanner(raw, BANNER);
    const { old, now } = compare(raw, out);
    assert.equal(now.length, 2);
    assert.ok(entityOf(out, now[1]!).equals(entityOf(raw, old[1]!)), "the forwarded message keeps its bytes");
    assert.ok(partText(out, now[0]!).startsWith(`${BANNER}\r\n\r\nSee the forwarded message.`));
    assert.equal(param(now[0]!, "charset"), "us-ascii");
    assert.ok((await parsed(out)).text?.startsWith(BANNER));
  });

  it("multipart/mixed with an attachment: text bannered, the attachment's bytes identical", async () => {
    const raw = loadMessage("msg_07.eml");
    const out = insertBanner(raw, BANNER);
    assertOthersIntact(raw, out, [0]);
    const { now } = compare(raw, out);
    assert.ok(partText(out, now[0]!).startsWith(`${BANNER}\r\n\r\nHi there,`));
    const [a, b] = [await parsed(raw), await parsed(out)];
    assert.ok(b.attachments[0]!.content.equals(a.attachments[0]!.content));
    assert.ok(b.text?.startsWith(BANNER));
  });

  it("a single-part HTML message: the banner right after <body>, its markup escaped", async () => {
    const raw = loadMessage("moat_09_phish_lookalike.eml");
    const out = insertBanner(raw, 'Outside: "IT Helpdesk" <script>x</script>');
    const { now } = compare(raw, out);
    const html = partText(out, now[0]!);
    assert.match(html, /^<html><body><div style="[^"]+">Outside: &quot;IT Helpdesk&quot; &lt;script&gt;x&lt;\/script&gt;<\/div>\r\n<p>Click/);
    assert.ok(String((await parsed(out)).html).includes("&lt;script&gt;x"));
  });

  it("a UTF-8 8bit text keeps its charset and encoding with a non-ASCII banner", async () => {
    const raw = loadMessage("moat_01_rfc2047_cjk.eml");
    const out = insertBanner(raw, "Von außerhalb: 张三");
    const { old, now } = compare(raw, out);
    assert.equal(now[0]!.encoding, "8bit");
    assert.equal(param(now[0]!, "charset"), "UTF-8");
    assert.equal(partText(out, now[0]!), `Von außerhalb: 张三\r\n\r\n${partText(raw, old[0]!)}`);
    assert.ok(out.subarray(0, now[0]!.bodyStart).equals(raw.subarray(0, old[0]!.bodyStart)), "the header is untouched");
    assert.ok((await parsed(out)).text?.startsWith("Von außerhalb: 张三"));
  });

  it("a signed message and a top-level message/rfc822 come back unchanged", () => {
    for (const name of ["moat_04_signed.eml", "msg_11.eml"]) {
      const raw = loadMessage(name);
      assert.ok(insertBanner(raw, BANNER).equals(raw), name);
    }
  });

  it("malformed MIME (no close delimiter): the same tree, both bodies bannered", async () => {
    const raw = loadMessage("moat_05_missing_close_boundary.eml");
    const out = insertBanner(raw, BANNER);
    const { now } = compare(raw, out);
    assert.ok(partText(out, now[0]!).startsWith(`${BANNER}\r\n\r\nfirst part`));
    assert.match(partText(out, now[1]!), /^<div style="[^"]+">This message came/);
    assert.ok((await parsed(out)).text?.startsWith(BANNER));
  });

  it("never throws, and returns what it cannot rewrite unchanged", () => {
    for (const junk of [Buffer.alloc(0), Buffer.from("no header no body"), Buffer.from([0xff, 0x00, 0x0a, 0x0d]), mail(["Content-Type: image/png", "", "xx"])]) {
      assert.ok(insertBanner(junk, BANNER).equals(junk) || junk.length < 20);
    }
    const raw = mail(["Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: application/pdf", "", "%PDF", "--b--", ""]);
    assert.ok(insertBanner(raw, BANNER).equals(raw), "no text part");
    assert.ok(insertBanner(loadMessage("msg_07.eml"), " \r\n ").equals(loadMessage("msg_07.eml")), "empty banner");
  });
});

describe("insertBanner on hand-made messages", () => {
  it("quoted-printable latin1 with an ASCII banner: charset kept, lines of at most 76", async () => {
    const long = "Sch=F6ne Gr=FC=DFe aus K=F6ln, und dies ist eine recht lange Zeile, die weich umbrochen =\r\nwerden muss.";
    const raw = mail(["From: a@b.example", "MIME-Version: 1.0", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "", long, ""]);
    const out = insertBanner(raw, BANNER);
    const { old, now } = compare(raw, out);
    assert.equal(param(now[0]!, "charset"), "iso-8859-1");
    assert.equal(now[0]!.encoding, "quoted-printable");
    assertLineLengths(out, now[0]!, 76);
    assert.equal(partText(out, now[0]!), `${BANNER}\r\n\r\n${partText(raw, old[0]!)}`);
    assert.ok((await parsed(out)).text?.includes("Schöne Grüße aus Köln"));
  });

  it("latin1 8bit text with a non-ASCII banner is converted to UTF-8 and relabelled", async () => {
    const body = Buffer.from("Grüße aus Köln\r\n", "latin1");
    const raw = Buffer.concat([mail(["From: a@b.example", "MIME-Version: 1.0", 'Content-Type: text/plain; charset="ISO-8859-1"; format=flowed', "Content-Transfer-Encoding: 8bit", "", ""]), body]);
    const out = insertBanner(raw, "Von außerhalb: Jörg");
    const { now } = compare(raw, out);
    assert.equal(param(now[0]!, "charset"), "utf-8");
    assert.equal(param(now[0]!, "format"), "flowed");
    assert.equal(partText(out, now[0]!), "Von außerhalb: Jörg\r\n\r\nGrüße aus Köln\r\n");
    assert.equal((await parsed(out)).text?.trim(), "Von außerhalb: Jörg\n\nGrüße aus Köln");
  });

  it("7bit us-ascii text with a non-ASCII banner becomes quoted-printable UTF-8", async () => {
    const raw = mail(["From: a@b.example", "Content-Type: multipart/alternative; boundary=zz", "", "--zz", "", "Plain words", "--zz--", ""]);
    const out = insertBanner(raw, "Außen: Jörg");
    const { now } = compare(raw, out);
    assert.equal(now[0]!.encoding, "quoted-printable");
    assert.equal(param(now[0]!, "charset"), "utf-8");
    assert.ok(bodyOf(out, now[0]!).every((b) => b < 0x80));
    assert.equal(partText(out, now[0]!), "Außen: Jörg\r\n\r\nPlain words");
    assert.equal((await parsed(out)).text?.trim(), "Außen: Jörg\n\nPlain words");
  });

  it("base64 HTML: banner after <body>, re-encoded in 76-character lines", async () => {
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="x"><p>${"Grüße ".repeat(40)}</p></body></html>`;
    const b64 = Buffer.from(html, "utf8").toString("base64").match(/.{1,72}/g)!.join("\r\n");
    const raw = mail(["From: a@b.example", "Content-Type: multipart/alternative; boundary=\"q\"", "", "--q", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", Buffer.from("Hallo\r\n").toString("base64"), "--q", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", b64, "--q--", ""]);
    const out = insertBanner(raw, BANNER);
    const { now } = compare(raw, out);
    for (const part of now) {
      assert.equal(part.encoding, "base64");
      assertLineLengths(out, part, 76);
    }
    assert.equal(partText(out, now[0]!), `${BANNER}\r\n\r\nHallo\r\n`);
    const after = partText(out, now[1]!);
    assert.ok(after.startsWith('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="x"><div style='));
    assert.ok(after.endsWith(`<p>${"Grüße ".repeat(40)}</p></body></html>`));
    const m = await parsed(out);
    assert.ok(m.text?.startsWith(BANNER));
    assert.ok(String(m.html).includes(`>${BANNER}</div>`));
  });

  it("HTML without <body> gets the banner at the start", () => {
    const raw = mail(["Content-Type: text/html; charset=us-ascii", "", "<p>hi</p>"]);
    const out = insertBanner(raw, BANNER);
    assert.match(partText(out, parseMessage(out).structure), /^<div style="[^"]+">This message came[^<]+<\/div>\r\n<p>hi<\/p>$/);
  });

  it("an iso-8859-1 HTML part converted to UTF-8 updates its <meta> charset too", () => {
    const raw = Buffer.concat([mail(["Content-Type: text/html; charset=iso-8859-1", "", ""]), Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>Grüße</body></html>', "latin1")]);
    const out = insertBanner(raw, "Außen");
    const part = parseMessage(out).structure;
    assert.equal(param(part, "charset"), "utf-8");
    assert.equal(partText(out, part), '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div style="' + partText(out, part).split('<div style="')[1]!.split('"')[0] + '">Außen</div>\r\nGrüße</body></html>');
  });

  it("text/plain attachments and named inline parts are not bodies", () => {
    const raw = mail([
      "Content-Type: multipart/mixed; boundary=m", "", "--m",
      "Content-Type: text/plain", "Content-Disposition: attachment; filename=a.txt", "", "attached",
      "--m", "Content-Type: text/plain; name=notes.txt", "", "named",
      "--m", "Content-Type: text/plain", "Content-Disposition: inline", "", "the body",
      "--m--", "",
    ]);
    const out = insertBanner(raw, BANNER);
    assertOthersIntact(raw, out, [2]);
    const { now } = compare(raw, out);
    assert.equal(partText(out, now[2]!), `${BANNER}\r\n\r\nthe body`);
  });

  it("a UTF-16 part is converted to UTF-8; a charset nobody knows is left alone", () => {
    const utf16 = Buffer.concat([mail(["Content-Type: text/plain; charset=utf-16le", "Content-Transfer-Encoding: base64", "", ""]), Buffer.from(Buffer.from("Grüße", "utf16le").toString("base64"))]);
    const out = insertBanner(utf16, BANNER);
    const part = parseMessage(out).structure;
    assert.equal(param(part, "charset"), "utf-8");
    assert.equal(partText(out, part), `${BANNER}\r\n\r\nGrüße`);
    const unknown = Buffer.concat([mail(["Content-Type: text/plain; charset=x-no-such-charset", "", ""]), Buffer.from([0xc4, 0xe4])]);
    assert.ok(insertBanner(unknown, "Außen: Jörg").equals(unknown));
    assert.ok(!insertBanner(unknown, BANNER).equals(unknown), "an ASCII banner needs no conversion");
  });

  it("bare LF messages stay LF", () => {
    const raw = mail(["Content-Type: text/plain", "", "one", "two", ""], "\n");
    const out = insertBanner(raw, BANNER);
    assert.equal(out.toString("latin1"), `Content-Type: text/plain\n\n${BANNER}\n\none\ntwo\n`);
  });

  it("a banner cannot forge a boundary or make a line longer than 998 octets", () => {
    const raw = mail(["Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain", "", "body", "--b--", ""]);
    // Its line would be read as a delimiter: the tree would change, so nothing is rewritten.
    assert.ok(insertBanner(raw, "--b\r\nsurprise").equals(raw));
    const out = insertBanner(raw, "y".repeat(5000));
    const { now } = compare(raw, out);
    assert.match(partText(out, now[0]!), /^y+…\r\n\r\nbody$/);
    for (const line of out.toString("utf8").split("\r\n")) assert.ok(Buffer.byteLength(line) <= 998);
  });
});
