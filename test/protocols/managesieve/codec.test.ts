// The ManageSieve codec (RFC 5804 §4) as tables: command lines ↔ tokens, literal markers, and
// the responses as they go on the wire.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { literalMarker, numberOf, scanLine, type Token } from "../../../src/protocols/managesieve/codec/command.js";
import { bye, capabilityResponse, no, ok, scriptContent, scriptListing, string } from "../../../src/protocols/managesieve/codec/response.js";

const scan = (line: string, continuation = false) => {
  const tokens: Token[] = [];
  const result = scanLine(Buffer.from(line, "utf8"), tokens, continuation);
  return { result, tokens: tokens.map((t) => (t.kind === "atom" ? t.value : `"${t.value.toString("utf8")}"`)) };
};

describe("ManageSieve command lines", () => {
  const complete: Array<[string, string[]]> = [
    ["CAPABILITY", ["CAPABILITY"]],
    ['AUTHENTICATE "PLAIN" "AGFsaWNlAHB3"', ["AUTHENTICATE", '"PLAIN"', '"AGFsaWNlAHB3"']],
    ['putscript "a \\"quoted\\" \\\\ name" "x"', ["putscript", '"a "quoted" \\ name"', '"x"']],
    ['HAVESPACE "myscript" 999999', ["HAVESPACE", '"myscript"', "999999"]],
    ['SETACTIVE ""', ["SETACTIVE", '""']],
    ['GETSCRIPT "Pläne"', ["GETSCRIPT", '"Pläne"']],
  ];
  for (const [line, tokens] of complete) {
    it(`reads ${line}`, () => assert.deepEqual(scan(line), { result: { kind: "done" }, tokens }));
  }

  it("stops at a literal announced at the end of the line, {n+} or {n}", () => {
    assert.deepEqual(scan('PUTSCRIPT "foo" {31+}'), { result: { kind: "literal", size: 31, sync: false }, tokens: ["PUTSCRIPT", '"foo"'] });
    assert.deepEqual(scan("PUTSCRIPT {3}"), { result: { kind: "literal", size: 3, sync: true }, tokens: ["PUTSCRIPT"] });
  });

  it("goes on after a literal with a space, or ends with an empty line", () => {
    assert.deepEqual(scan("", true), { result: { kind: "done" }, tokens: [] });
    assert.deepEqual(scan(' {12+}', true), { result: { kind: "literal", size: 12, sync: false }, tokens: [] });
    assert.deepEqual(scan('x', true).result, { kind: "error", message: "Expected a space after the literal" });
  });

  const errors: Array<[string, RegExp]> = [
    ["", /Empty command/],
    ['PUTSCRIPT "unterminated', /Unterminated quoted string/],
    ['PUTSCRIPT "bad \\n escape"', /Invalid escape/],
    ['NOOP  "two spaces"', /Invalid character|Expected a space/],
    ["NOOP ", /Expected a space between arguments/],
    ['PUTSCRIPT "a"{3+}', /Expected a space between arguments/],
    ["PUTSCRIPT {3+} more", /Invalid literal/],
    ["PUTSCRIPT {abc}", /Invalid literal/],
    ["LISTSCRIPTS (x)", /Invalid character/],
    [`NOOP "${"x".repeat(1025)}"`, /longer than 1024 octets/],
  ];
  for (const [line, message] of errors) {
    it(`refuses ${JSON.stringify(line.slice(0, 40))}`, () => {
      const { result } = scan(line);
      assert.equal(result.kind, "error");
      assert.match(result.kind === "error" ? result.message : "", message);
    });
  }

  it("finds the literal marker at the end of a refused line, and numbers within 0..4294967295", () => {
    assert.deepEqual(literalMarker(Buffer.from("garbage {70000+}")), { size: 70000, sync: false });
    assert.equal(literalMarker(Buffer.from("garbage {70000+} x")), null);
    assert.equal(numberOf({ kind: "atom", value: "4294967295" }), 4294967295);
    assert.equal(numberOf({ kind: "atom", value: "4294967296" }), null);
    assert.equal(numberOf({ kind: "string", value: Buffer.from("5") }), null);
  });
});

describe("ManageSieve responses", () => {
  const table: Array<[string, string]> = [
    [ok(), "OK\r\n"],
    [ok("Done", { tag: "STARTTLS-RESYNC-CAPA" }), 'OK (TAG "STARTTLS-RESYNC-CAPA") "Done"\r\n'],
    [no("There is no script by that name", "NONEXISTENT"), 'NO (NONEXISTENT) "There is no script by that name"\r\n'],
    [no("line 1, column 9: a\nline 2, column 1: b"), "NO {39}\r\nline 1, column 9: a\nline 2, column 1: b\r\n"],
    [no('say "hi" \\'), 'NO "say \\"hi\\" \\\\"\r\n'],
    [bye("Disconnected for inactivity"), 'BYE "Disconnected for inactivity"\r\n'],
    [no("x", "QUOTA/MAXSIZE"), 'NO (QUOTA/MAXSIZE) "x"\r\n'],
    [string("é".repeat(600)), `{1200}\r\n${"é".repeat(600)}`],
    [capabilityResponse([["IMPLEMENTATION", "Moat"], ["STARTTLS"]], "ready"), '"IMPLEMENTATION" "Moat"\r\n"STARTTLS"\r\nOK "ready"\r\n'],
    [scriptListing([{ name: "a", active: false }, { name: "b", active: true }]), '"a"\r\n"b" ACTIVE\r\nOK "Listscripts completed"\r\n'],
    [scriptContent("keep;\r\n"), '{7}\r\nkeep;\r\n\r\nOK "Getscript completed"\r\n'],
  ];
  for (const [wire, expected] of table) {
    it(`writes ${JSON.stringify(expected.slice(0, 50))}`, () => assert.equal(wire, expected));
  }
});
