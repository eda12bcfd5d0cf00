// The SMTP codec as tables: command lines, paths, ESMTP parameters, replies, SASL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isHttpVerb, parseCommandLine } from "../../../src/protocols/smtp/server/codec/command.js";
import { commandLineLimit, takeLine } from "../../../src/protocols/smtp/server/codec/line.js";
import { parseMailParams, parseRcptParams } from "../../../src/protocols/smtp/server/codec/params.js";
import { parseMailFrom, parseRcptTo } from "../../../src/protocols/smtp/server/codec/path.js";
import { formatReply, printable, reply } from "../../../src/protocols/smtp/server/codec/reply.js";
import { decodeBase64, decodePlain, loginPrompts } from "../../../src/protocols/smtp/server/codec/sasl.js";

const b = (s: string) => Buffer.from(s, "latin1");

describe("takeLine: command lines (SMTP-09, SMTP-10)", () => {
  const cases: [string, string, ReturnType<typeof takeLine>["kind"], string?, boolean?][] = [
    ["CRLF line", "NOOP\r\nQUIT\r\n", "line", "NOOP", false],
    ["bare LF line (reported)", "NOOP\nQUIT\r\n", "line", "NOOP", true],
    ["partial", "NOO", "partial"],
    ["partial with CR", "NOOP\r", "partial"],
    ["2048 octets is accepted", `${"a".repeat(2048)}\r\n`, "line", "a".repeat(2048), false],
    ["2048 octets and a CR, LF not yet here", `${"a".repeat(2048)}\r`, "partial"],
    ["2049 octets with CRLF is too long", `${"a".repeat(2049)}\r\n`, "too_long"],
    ["2049 octets with bare LF is too long", `${"a".repeat(2049)}\n`, "too_long"],
    ["2050 octets, no LF: too long at once", "a".repeat(2050), "too_long"],
  ];
  for (const [name, input, kind, line, bareLf] of cases) {
    it(name, () => {
      const taken = takeLine(b(input), commandLineLimit);
      assert.equal(taken.kind, kind);
      if (taken.kind === "line") assert.deepEqual([taken.line.toString("latin1"), taken.bareLf], [line, bareLf]);
    });
  }

  it("allows AUTH lines up to 12288 octets (RFC 4954 §4)", () => {
    assert.equal(takeLine(b(`AUTH PLAIN ${"A".repeat(12000)}\r\n`), commandLineLimit).kind, "line");
    assert.equal(takeLine(b(`auth plain ${"A".repeat(12300)}\r\n`), commandLineLimit).kind, "too_long");
    assert.equal(takeLine(b(`NOOP ${"A".repeat(3000)}\r\n`), commandLineLimit).kind, "too_long");
  });
});

describe("parseCommandLine", () => {
  it("splits the verb (upper-cased) from its arguments", () => {
    assert.deepEqual(parseCommandLine(b("mail FROM:<a@example.com> SIZE=10  ")), { ok: true, verb: "MAIL", args: "FROM:<a@example.com> SIZE=10" });
    assert.deepEqual(parseCommandLine(b("QUIT")), { ok: true, verb: "QUIT", args: "" });
    assert.deepEqual(parseCommandLine(b("EHLO\tclient.example")), { ok: true, verb: "EHLO", args: "client.example" });
  });

  it("refuses NUL and other controls without truncating (SMTP-23)", () => {
    assert.deepEqual(parseCommandLine(b("MAIL FROM:<a\0b@c.example>")), { ok: false, reason: "control_character" });
    assert.deepEqual(parseCommandLine(b("NOOP\rRSET")), { ok: false, reason: "control_character" });
    assert.deepEqual(parseCommandLine(b("NOOP \x7f")), { ok: false, reason: "control_character" });
  });

  it("accepts UTF-8 and refuses invalid UTF-8", () => {
    assert.equal(parseCommandLine(Buffer.from("RCPT TO:<jos\u00e9@example.com>")).ok, true);
    assert.deepEqual(parseCommandLine(b("RCPT TO:<jos\xe9@example.com>")), { ok: false, reason: "invalid_utf8" });
  });

  it("knows the HTTP verbs (SMTP-22)", () => {
    for (const verb of ["GET", "POST", "CONNECT", "HEAD", "PUT"]) assert.ok(isHttpVerb(verb));
    assert.ok(!isHttpVerb("HELO"));
  });
});

describe("MAIL FROM / RCPT TO paths (RFC 5321 §4.1.2)", () => {
  const ok: [string, string | null, string[]][] = [
    ["FROM:<Alice@Example.COM>", "alice@example.com", []],
    ["from:<alice@example.com> SIZE=100 BODY=8BITMIME", "alice@example.com", ["SIZE=100", "BODY=8BITMIME"]],
    ["FROM: <alice@example.com>", "alice@example.com", []],
    ["FROM:<>", null, []],
    ["FROM:<user@example.com.>", "user@example.com", []],
    ["FROM:<user%other.example@example.com>", "user%other.example@example.com", []],
    ["FROM:<b\u00fccher@b\u00fccher.example>", "b\u00fccher@xn--bcher-kva.example", []],
  ];
  for (const [args, address, params] of ok) {
    it(`accepts ${args}`, () => {
      const parsed = parseMailFrom(args);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual([parsed.address, parsed.params], [address, params]);
    });
  }

  const bad: [string, string][] = [
    ["FROM:alice@example.com", "syntax"],
    ["FROM:<alice@example.com", "syntax"],
    ["FROM:<alice@example.com>SIZE=1", "syntax"],
    ["TO:<alice@example.com>", "syntax"],
    ["FROM:<@relay.example,@b.example:user@example.com>", "source_route"],
    ["FROM:<@relay.example:user@example.com>", "source_route"],
    ['FROM:<"user@external.example"@example.com>', "quoted"],
    ['FROM:<"x y"@example.com>', "quoted"],
    ["FROM:<user@[192.0.2.1]>", "bad_address"],
    ["FROM:<a b@example.com>", "bad_address"],
    ["FROM:<user@>", "bad_address"],
    ["FROM:<user>", "bad_address"],
    ["FROM:<user@example.com(x)evil.example>", "bad_address"],
    [`FROM:<${"a".repeat(65)}@example.com>`, "bad_address"],
    [`FROM:<${"a".repeat(64)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(7)}>`, "too_long"],
  ];
  for (const [args, error] of bad) {
    it(`refuses ${args.slice(0, 60)} as ${error}`, () => {
      const parsed = parseMailFrom(args);
      assert.equal(parsed.ok ? "ok" : parsed.error, error);
    });
  }

  it("accepts the 64-octet local part and the 256-octet path boundaries (SMTP-12)", () => {
    assert.ok(parseMailFrom(`FROM:<${"a".repeat(64)}@example.com>`).ok);
    const path = `<${"a".repeat(64)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(6)}>`;
    assert.equal(path.length, 256);
    assert.ok(parseMailFrom(`FROM:${path}`).ok);
  });

  it("refuses the null path at RCPT and maps a bare <postmaster> (RFC 5321 §4.5.1)", () => {
    assert.equal(parseRcptTo("TO:<>").ok, false);
    const pm = parseRcptTo("TO:<Postmaster>", { postmasterDomain: "mx.example.com" });
    assert.ok(pm.ok && pm.address === "postmaster@mx.example.com");
  });

  it("flags non-ASCII paths (they need SMTPUTF8)", () => {
    const parsed = parseRcptTo("TO:<j\u00f6rg@example.com>");
    assert.ok(parsed.ok && parsed.nonAscii);
    assert.ok(!(parseRcptTo("TO:<jorg@example.com>") as { nonAscii: boolean }).nonAscii);
  });
});

describe("ESMTP parameters", () => {
  it("parses SIZE, BODY and SMTPUTF8", () => {
    assert.deepEqual(parseMailParams(["SIZE=1000", "body=8bitmime", "SMTPUTF8"], true), { ok: true, value: { size: 1000, body: "8BITMIME", smtpUtf8: true } });
    assert.deepEqual(parseMailParams([], true), { ok: true, value: { size: undefined, body: "7BIT", smtpUtf8: false } });
    assert.deepEqual(parseMailParams(["SIZE=999999999999"], true), { ok: true, value: { size: 999999999999, body: "7BIT", smtpUtf8: false } });
  });

  const bad: [string[], number][] = [
    [["SIZE=abc"], 501],
    [["SIZE="], 501],
    [["SIZE=123456789012345678901"], 501],
    [["SIZE=1", "SIZE=2"], 501],
    [["SMTPUTF8=yes"], 501],
    [["BODY=BINARYMIME"], 555],
    [["RET=FULL"], 555],
    [["X-UNKNOWN"], 555],
    [["=1"], 501],
  ];
  for (const [params, code] of bad) {
    it(`refuses ${params.join(" ")} with ${code}`, () => {
      const r = parseMailParams(params, true);
      assert.equal(r.ok ? 0 : r.code, code);
    });
  }

  it("refuses extension parameters after HELO, and every RCPT parameter", () => {
    assert.equal((parseMailParams(["SIZE=10"], false) as { code: number }).code, 555);
    assert.equal((parseRcptParams(["NOTIFY=NEVER"]) as { code: number }).code, 555);
    assert.deepEqual(parseRcptParams([]), { ok: true, value: null });
  });
});

describe("replies", () => {
  it("formats one line and multi-line replies", () => {
    assert.equal(formatReply(reply(250, "2.1.0", "Sender ok")), "250 2.1.0 Sender ok\r\n");
    assert.equal(formatReply(reply(250, undefined, "mx.example.com", "PIPELINING", "SIZE 10")), "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
    assert.equal(formatReply(reply(334, undefined, "")), "334 \r\n");
  });

  it("keeps reply text to printable ASCII so it cannot forge a reply line", () => {
    assert.equal(formatReply(reply(550, "5.7.1", "no\r\n250 2.0.0 ok")), "550 5.7.1 no 250 2.0.0 ok\r\n");
    assert.equal(printable("caf\u00e9\0"), "caf??");
    assert.equal(printable("x".repeat(1000)).length, 480);
  });
});

describe("SASL", () => {
  it("decodes canonical base64 only", () => {
    assert.equal(decodeBase64("AGFsaWNlAHB3")?.toString("latin1"), "\0alice\0pw");
    assert.equal(decodeBase64("")?.length, 0);
    for (const bad of ["AGFsaWNlAHB", "AGFs aWNl", "AGFsaWNl!!", "=", "AGFsaWNlAHB3=="]) assert.equal(decodeBase64(bad), null, bad);
  });

  it("splits PLAIN into authzid, authcid and password (RFC 4616)", () => {
    assert.deepEqual(decodePlain(b("\0alice@example.com\0pw")), { authzid: "", authcid: "alice@example.com", password: "pw" });
    assert.deepEqual(decodePlain(b("\0\0")), { authzid: "", authcid: "", password: "" });
    assert.equal(decodePlain(b("alice\0pw")), null);
    assert.equal(decodePlain(b("a\0b\0c\0d")), null);
    assert.equal(decodePlain(b("\0al\xffice\0pw")), null);
  });

  it("uses the usual LOGIN prompts", () => {
    assert.deepEqual(loginPrompts, { username: "VXNlcm5hbWU6", password: "UGFzc3dvcmQ6" });
  });
});
