// The IMAP command reader: wire bytes → commands, continuation requests and typed refusals.
// RFC 3501 §8's sample session, RFC 7888 literals, and the test plan's B3 parser items
// (IMAP-08 … IMAP-14), then a chunking sweep: any split of the input gives the same events.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandInput } from "../../../src/protocols/imap/command-input.js";
import { defaultReaderLimits, literalMarker } from "../../../src/protocols/imap/codec/reader.js";
import { readEvents, wireInput, type Plain } from "./helpers.js";

describe("IMAP reader: RFC examples", () => {
  const cases: [string, string, Plain[]][] = [
    [
      "RFC 3501 §8 sample session",
      "a001 login mrc secret\r\na002 select inbox\r\na003 fetch 12 full\r\na004 fetch 12 body[header]\r\n" +
        "a005 store 12 +flags \\deleted\r\na006 logout\r\n",
      [
        { command: "a001 LOGIN", args: ["mrc", "secret"] },
        { command: "a002 SELECT", args: ["inbox"] },
        { command: "a003 FETCH", args: ["12", "full"] },
        { command: "a004 FETCH", args: ["12", "body[header]"] },
        { command: "a005 STORE", args: ["12", "+flags", "\\deleted"] },
        { command: "a006 LOGOUT", args: [] },
      ],
    ],
    [
      "RFC 3501 §7.5 synchronising literals",
      "A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n",
      [{ continue: "A001 11" }, { continue: "A001 7" }, { command: "A001 LOGIN", args: ["{FRED FOOBAR}", "{fat man}"] }],
    ],
    ["RFC 7888 §4 non-synchronising literals", "A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n", [{ command: "A001 LOGIN", args: ["{FRED FOOBAR}", "{fat man}"] }]],
    ["RFC 3516 literal8", "A003 APPEND Drafts (\\Seen) ~{5+}\r\nab\0cd\r\n", [{ command: "A003 APPEND", args: ["Drafts", ["\\Seen"], "~{ab\0cd}"] }]],
    ["zero-length literal", "a LOGIN {0}\r\n {1}\r\nx\r\n", [{ continue: "a 0" }, { continue: "a 1" }, { command: "a LOGIN", args: ["{}", "{x}"] }]],
    ["quoted escapes", 'a LOGIN "fr\\"ed" "p\\\\w"\r\n', [{ command: "a LOGIN", args: ['"fr"ed"', '"p\\w"'] }]],
    ["UID prefix", "a UID fetch 1:* (FLAGS)\r\n", [{ command: "a UID FETCH", args: ["1:*", ["FLAGS"]] }]],
    ["NIL and nested lists", "a X (NIL (a \"b\") ())\r\n", [{ command: "a X", args: [[null, ["a", '"b"'], []]] }]],
    [
      "a section spans spaces and parentheses",
      "a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To)]<0.100> UID)\r\n",
      [{ command: "a FETCH", args: ["1", ["BODY.PEEK[HEADER.FIELDS (From To)]<0.100>", "UID"]] }],
    ],
    ["empty lines are ignored, bare LF accepted", "\r\n\na NOOP\n", [{ command: "a NOOP", args: [] }]],
  ];
  for (const [name, wire, events] of cases) it(name, async () => assert.deepEqual(await readEvents(wire), events));
});

describe("IMAP reader: bad input (test plan B3)", () => {
  const cases: [string, string, Plain[]][] = [
    ["unterminated quote", 'a LOGIN "fred\r\nb NOOP\r\n', [{ bad: "a Unterminated quoted string" }, { command: "b NOOP", args: [] }]],
    ["NUL in a quoted string (IMAP-13)", 'a SELECT "IN\0BOX"\r\n', [{ bad: "a Invalid character in quoted string" }]],
    ["bare CR in a quoted string", 'a SELECT "IN\rBOX"\r\n', [{ bad: "a Invalid character in quoted string" }]],
    ["NUL in an atom", "a SELECT IN\0BOX\r\n", [{ bad: "a Invalid character in atom" }]],
    ["unknown escape", 'a LOGIN "a\\n" b\r\n', [{ bad: "a Invalid escape in quoted string" }]],
    ["unbalanced (", "a X (a\r\n", [{ bad: "a Unbalanced parentheses" }]],
    ["unbalanced )", "a X a)\r\n", [{ bad: "a Unexpected ')'" }]],
    ["missing space", 'a LOGIN "a""b"\r\n', [{ bad: "a Missing space between arguments" }]],
    ["stray {", "a LOGIN {5 x\r\n", [{ bad: "a Unexpected '{'" }]],
    ["literal glued to an atom", "a LOGIN x{1+}\r\ny z\r\n", [{ bad: "a A literal must follow a space" }]],
    ["no tag", "+ LOGIN a b\r\n", [{ bad: "null Invalid tag" }]],
    ["* as tag", "* OK hi\r\n", [{ bad: "null Invalid tag" }]],
    ["tag only", "abc\r\n", [{ bad: "abc Missing or invalid command name" }]],
    ["UID without command", "a UID\r\n", [{ bad: "a Missing or invalid command name" }]],
    // IMAP-08: no continuation for an impossible size; the next line is a new command.
    ["{4294967296} (IMAP-08)", "a LOGIN {4294967296}\r\nb NOOP\r\n", [{ bad: "a Invalid literal size" }, { command: "b NOOP", args: [] }]],
    ["{18446744073709551616} (IMAP-08)", "a LOGIN {18446744073709551616}\r\nb NOOP\r\n", [{ bad: "a Invalid literal size" }, { command: "b NOOP", args: [] }]],
    ["huge non-synchronising literal closes", "a LOGIN {99999999999+}\r\nxx", [{ fatal: "Literal too big to skip" }]],
    // IMAP-09: refused before reading; the client never got "+", so what follows is a command.
    [
      "APPEND over the limit, synchronising (IMAP-09)",
      "a APPEND INBOX {104857600}\r\nb NOOP\r\n",
      [{ tooBig: "a APPEND 104857600 sync literal" }, { command: "b NOOP", args: [] }],
    ],
  ];
  for (const [name, wire, events] of cases) it(name, async () => assert.deepEqual(await readEvents(wire), events));

  it("LITERAL-: {5000+} is refused and its bytes skipped, never run (IMAP-10)", async () => {
    const literal = `b DELETE INBOX\r\n${"x".repeat(5000 - 16)}`;
    const events = await readEvents(`a APPEND INBOX {5000+}\r\n${literal}\r\nc NOOP\r\n`, Infinity, { literalMinus: true });
    assert.deepEqual(events, [{ tooBig: "a APPEND 5000 nonsync literal-minus" }, { command: "c NOOP", args: [] }]);
  });

  it("a refused non-synchronising literal skips the rest of its command, literals included", async () => {
    const wire = "a LOGIN {70000+}\r\n" + "y".repeat(70000) + " {3+}\r\nabc\r\nb NOOP\r\n";
    assert.deepEqual(await readEvents(wire), [{ tooBig: "a LOGIN 70000 nonsync literal" }, { command: "b NOOP", args: [] }]);
  });

  it("a 64 KiB + 1 line is BAD, discarded, and the next command works (IMAP-11)", async () => {
    const wire = `a SELECT ${"x".repeat(65536)}\r\nb NOOP\r\n`;
    assert.deepEqual(await readEvents(wire, 4096), [{ bad: "a Command line too long" }, { command: "b NOOP", args: [] }]);
    const exact = `a X ${"x".repeat(65536 - 4)}\r\n`;
    assert.equal(((await readEvents(exact))[0] as { command: string }).command, "a X");
  });

  it("a line one octet over the cap ending in a bare LF is too long as well", async () => {
    assert.deepEqual(await readEvents(`a X ${"x".repeat(65536 - 3)}\nb NOOP\r\n`, 1000), [{ bad: "a Command line too long" }, { command: "b NOOP", args: [] }]);
  });

  it("MULTIAPPEND literals count together against the APPEND limit", async () => {
    const limits = { maxLiteral: () => 10 };
    assert.deepEqual(await readEvents("a APPEND INBOX {6+}\r\n123456 {6+}\r\n123456\r\nb NOOP\r\n", Infinity, limits), [
      { tooBig: "a APPEND 6 nonsync literal" },
      { command: "b NOOP", args: [] },
    ]);
  });

  it("many small literals past the command cap are refused (IMAP-12)", async () => {
    const parts = Array.from({ length: 2000 }, () => `{100+}\r\n${"z".repeat(100)} `).join("");
    const events = await readEvents(`a SEARCH TEXT ${parts}ALL\r\nb NOOP\r\n`);
    assert.deepEqual(events.at(-1), { command: "b NOOP", args: [] });
    assert.match(JSON.stringify(events[0]), /a SEARCH 100 nonsync command/);
    assert.equal(events.length, 2);
  });

  it("parentheses nest to 32 and no deeper (IMAP-14)", async () => {
    assert.equal(((await readEvents(`a X ${"(".repeat(32)}${")".repeat(32)}\r\n`))[0] as { command: string }).command, "a X");
    assert.deepEqual(await readEvents(`a X ${"(".repeat(33)}${")".repeat(33)}\r\n`), [{ bad: "a Too many nested parentheses" }]);
    assert.deepEqual(await readEvents(`a SEARCH ${"(".repeat(10000)}ALL${")".repeat(10000)}\r\n`), [{ bad: "a Too many nested parentheses" }]);
  });

  it("literal markers: only at the end of a line, with sizes up to 2^32-1", async () => {
    const m = (s: string) => literalMarker(Buffer.from(s));
    assert.deepEqual(m("a {5}"), { start: 2, size: 5, sync: true, form: "literal" });
    assert.deepEqual(m("a ~{5+}"), { start: 2, size: 5, sync: false, form: "literal8" });
    assert.equal(m("a {}"), null);
    assert.equal(m("a 5}"), null);
    assert.equal(m("a {4294967296}")?.size, null);
    assert.equal(m("a {4294967295}")?.size, 4294967295);
  });
});

describe("IMAP reader: session hand-offs", () => {
  const limits = defaultReaderLimits;
  const noContinue = () => assert.fail("no literal here");

  it("IDLE's DONE and SASL lines are read raw", async () => {
    const { input } = wireInput(["a IDLE\r\nDONE\r\nb AUTHENTICATE PLAIN\r\n*\r\n"]);
    const reader = new CommandInput(input, limits);
    assert.equal((await reader.next(noContinue)).kind, "command");
    assert.deepEqual(await input.readLine(limits.maxLine), { kind: "line", line: Buffer.from("DONE"), bareLf: false });
    assert.equal((await reader.next(noContinue)).kind, "command");
    assert.deepEqual(await input.readLine(limits.maxLine), { kind: "line", line: Buffer.from("*"), bareLf: false });
    assert.deepEqual(await input.readLine(limits.maxLine), { kind: "eof" });
  });

  it("detach() hands back what was pipelined after STARTTLS, to be dropped (IMAP-02)", async () => {
    const { input } = wireInput(["a STARTTLS\r\nb LOGIN u p\r\n"]);
    assert.equal((await new CommandInput(input, limits).next(noContinue)).kind, "command");
    assert.equal(input.detach().toString(), "b LOGIN u p\r\n");
    assert.equal(input.buffered, false);
  });

  it("a raw line over the cap is reported, then discarded", async () => {
    const { stream, input } = wireInput(["x".repeat(20)], false);
    assert.equal((await input.readLine(10)).kind, "too_long");
    stream.end("yyy\r\nc NOOP\r\n");
    assert.equal((await new CommandInput(input, { ...limits, maxLine: 10 }).next(noContinue)).kind, "command");
  });

  it("a synchronising literal is asked for with \"+\" before its bytes are awaited, a non-synchronising one is not", async () => {
    const { stream, input } = wireInput(["a LOGIN {4}\r\n"], false);
    const reader = new CommandInput(input, limits);
    const asked: number[] = [];
    const next = reader.next((_tag, size) => {
      asked.push(size);
      stream.end("fred {6+}\r\nsecret\r\n");
    });
    assert.equal((await next).kind, "command");
    assert.deepEqual(asked, [4]);
  });
});

describe("IMAP reader: chunking sweep", () => {
  const transcript =
    "a001 LOGIN {4}\r\nfred {6+}\r\nsecret\r\n" +
    'a002 SELECT "INBOX" (CONDSTORE)\r\n' +
    "a003 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)]<0.512>) (CHANGEDSINCE 5)\r\n" +
    "a004 APPEND Drafts (\\Seen) \"05-Mar-2026 10:00:00 +0000\" {20}\r\nSubject: x\r\n\r\nhello\r\n\r\n" +
    'a005 SEARCH CHARSET UTF-8 OR (FROM "a\\"b") TEXT {3+}\r\nabc\r\n' +
    'bad "unterminated\r\n' +
    `a006 NOOP ${"q".repeat(70000)}\r\n` +
    "a007 APPEND INBOX {999999999}\r\n" +
    "a008 APPEND INBOX ~{4+}\r\n\0\0\0\0\r\n" +
    "a009 LOGOUT\r\n";
  it("the transcript reads as expected in one piece", async () => {
    const whole = await readEvents(transcript);
    assert.equal(whole.length, 12);
    assert.deepEqual(whole.at(-1), { command: "a009 LOGOUT", args: [] });
  });
  for (const size of [1, 2, 3, 7, 16, 64, 200]) {
    it(`${size}-byte chunks give identical events`, async () => assert.deepEqual(await readEvents(transcript, size), await readEvents(transcript)));
  }
});
