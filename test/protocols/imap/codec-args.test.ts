// Typed arguments per command family, from the RFCs' own examples (RFC 3501 §6, RFC 4315,
// RFC 6851, RFC 7162, RFC 2971, RFC 5161, RFC 4959, RFC 5258, RFC 3516), plus the bad inputs of
// test plan B3 that are the codec's job (IMAP-06, -07, -14, -15, -16).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseNoArgs } from "../../../src/protocols/imap/codec/args.js";
import { ImapParseError } from "../../../src/protocols/imap/codec/codes.js";
import { formatImapDateTime, parseImapDate, parseImapDateTime } from "../../../src/protocols/imap/codec/dates.js";
import { parseFetch } from "../../../src/protocols/imap/codec/fetch.js";
import { parseAppend, parseList, parseLsub } from "../../../src/protocols/imap/codec/list-append.js";
import { parseSearch } from "../../../src/protocols/imap/codec/search.js";
import { parseMailboxArg, parseRename, parseSelect, parseStatus } from "../../../src/protocols/imap/codec/select.js";
import { parseSequenceSet } from "../../../src/protocols/imap/codec/sequence.js";
import { decodeSaslPlain, parseAuthenticate, parseEnable, parseId, parseLogin, parseSaslResponse } from "../../../src/protocols/imap/codec/session-args.js";
import { parseCopy, parseStore, parseUidExpunge } from "../../../src/protocols/imap/codec/store.js";
import { command } from "./helpers.js";

/** The arguments of one wire command. */
const args = (wire: string) => command(`t ${wire}`).args;
/** Asserts that parsing throws an ImapParseError with this status (and code, when given). */
function refused(fn: () => unknown, status: "BAD" | "NO", code?: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ImapParseError && err.status === status && (code === undefined || err.code?.code === code));
}

describe("sequence sets (RFC 3501 §9, IMAP-15)", () => {
  it("contains, clamp and expand against the current view", () => {
    const set = parseSequenceSet("1,3:5,*");
    assert.deepEqual([1, 2, 3, 5, 9, 10].map((n) => set.contains(n, 10)), [true, false, true, true, false, true]);
    assert.deepEqual(parseSequenceSet("*:8").clamp(10), [[8, 10]]);
    assert.deepEqual(parseSequenceSet("1:4294967295").clamp(3), [[1, 3]]);
    assert.deepEqual(parseSequenceSet("559:*").clamp(500), [[500, 500]]);
    assert.deepEqual(parseSequenceSet("5:7,1,2,6").expand(100), [1, 2, 5, 6, 7]);
    assert.deepEqual(parseSequenceSet("4:*").expand(0), []);
    assert.equal(parseSequenceSet("$").searchRes, true);
    refused(() => parseSequenceSet("1:4294967295").expand(4294967295, 1000), "BAD", "LIMIT");
  });
  for (const text of ["0", "0:5", "1:0", "1:0x", "4294967296", "1,,2", "1,", ":5", "a", "-1", "1:2:3", ""]) {
    it(`refuses ${JSON.stringify(text)}`, () => refused(() => parseSequenceSet(text), "BAD"));
  }
  it("100k comma ranges parse without per-number allocation", () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `${i * 10 + 1}:${i * 10 + 5}`).join(",");
    assert.equal(parseSequenceSet(text).clamp(20).length, 2);
  });
});

describe("dates (RFC 3501 §9)", () => {
  it("reads date and date-time", () => {
    assert.deepEqual(parseImapDate("1-Feb-1994"), { year: 1994, month: 2, day: 1 });
    const dt = parseImapDateTime("05-Mar-2026 10:00:00 +0100");
    assert.equal(dt.date.toISOString(), "2026-03-05T09:00:00.000Z");
    assert.equal(dt.offsetMinutes, 60);
    assert.equal(parseImapDateTime(" 5-Mar-2026 10:00:00 -0730").offsetMinutes, -450);
    assert.equal(formatImapDateTime(dt.date, 60), "05-Mar-2026 10:00:00 +0100");
    assert.equal(formatImapDateTime(new Date("2026-01-02T03:04:05Z")), "02-Jan-2026 03:04:05 +0000");
  });
  for (const bad of ["31-Feb-2026", "1-Foo-2026", "1-Jan-26", "2026-01-01", "0-Jan-2026"]) {
    it(`refuses date ${bad}`, () => refused(() => parseImapDate(bad), "BAD"));
  }
  for (const bad of ["05-Mar-2026 24:00:00 +0000", "05-Mar-2026 10:00:60 +0000", "05-Mar-2026 10:00 +0000", "05-Mar-2026 10:00:00 0000", "bad"]) {
    it(`refuses date-time ${bad}`, () => refused(() => parseImapDateTime(bad), "BAD"));
  }
});

describe("FETCH (RFC 3501 §6.4.5, RFC 3516, RFC 7162)", () => {
  it("expands macros", () => {
    const names = (wire: string) => parseFetch(args(wire), false).attrs.map((a) => (a.kind === "simple" ? a.name : a.label));
    assert.deepEqual(names("FETCH 12 FULL"), ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]);
    assert.deepEqual(names("FETCH 1 ALL"), ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]);
    assert.deepEqual(names("FETCH 1 fast"), ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]);
  });
  it("reads sections, partials and labels", () => {
    const fetch = parseFetch(args("FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)] BODY.PEEK[1.2]<0.100> RFC822.HEADER)"), false);
    assert.deepEqual(fetch.attrs, [
      { kind: "simple", name: "FLAGS" },
      { kind: "body", peek: false, section: { path: [], kind: "fields", fields: ["DATE", "FROM"] }, partial: null, label: "BODY[HEADER.FIELDS (DATE FROM)]" },
      { kind: "body", peek: true, section: { path: [1, 2], kind: "full" }, partial: { start: 0, length: 100 }, label: "BODY[1.2]<0>" },
      { kind: "simple", name: "RFC822.HEADER" },
    ]);
    assert.deepEqual(parseFetch(args("FETCH 1 (BINARY.PEEK[1.2] BINARY.SIZE[2] BINARY[]<5.10>)"), false).attrs, [
      { kind: "binary", peek: true, path: [1, 2], partial: null, label: "BINARY[1.2]" },
      { kind: "binary-size", path: [2], label: "BINARY.SIZE[2]" },
      { kind: "binary", peek: false, path: [], partial: { start: 5, length: 10 }, label: "BINARY[]<5>" },
    ]);
  });
  it("UID FETCH adds UID; CHANGEDSINCE adds MODSEQ; VANISHED (RFC 7162 §3.2.6)", () => {
    const fetch = parseFetch(args("UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"), true);
    assert.deepEqual(fetch.attrs.map((a) => (a.kind === "simple" ? a.name : "")), ["UID", "FLAGS", "MODSEQ"]);
    assert.equal(fetch.changedSince, 12345n);
    assert.equal(fetch.vanished, true);
    assert.equal(parseFetch(args("FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)"), false).vanished, false);
  });
  const bads = [
    "FETCH 1 (VANISHED)", "FETCH 1 ()", "FETCH 1 BODY[HEADER.FIELDS]", "FETCH 1 BODY[0]", "FETCH 1 BODY[]<0>", "FETCH 1 BODY[]<0.0>",
    "FETCH 1 BINARY[TEXT]", "FETCH 1 BINARY.SIZE[1]<0.5>", "FETCH 1 (ALL)", "FETCH 0 FLAGS", "FETCH 1 FLAGS (VANISHED)",
    "FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", "FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)", "FETCH 1 FLAGS extra",
  ];
  for (const wire of bads) it(`refuses ${wire}`, () => refused(() => parseFetch(args(wire), false), "BAD"));
});

describe("STORE, COPY, MOVE, UID EXPUNGE (RFC 3501, 4315, 6851, 7162)", () => {
  it("reads the RFC examples", () => {
    assert.deepEqual(parseStore(args("STORE 2:4 +FLAGS (\\Deleted)")), { set: parseSequenceSet("2:4"), unchangedSince: null, op: "add", silent: false, flags: ["\\Deleted"] });
    const conditional = parseStore(args("STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)"));
    assert.deepEqual([conditional.unchangedSince, conditional.op, conditional.silent], [320162338n, "add", true]);
    assert.deepEqual(parseStore(args("STORE 1 -flags.silent \\seen $Junk \\SEEN")).flags, ["\\Seen", "$Junk"]);
    assert.equal(parseStore(args("STORE 1 FLAGS ()")).op, "replace");
    assert.deepEqual(parseCopy(args("UID MOVE 42:69 foo")), { set: parseSequenceSet("42:69"), mailbox: "foo" });
    assert.deepEqual(parseUidExpunge(args("UID EXPUNGE 3000:3002")), parseSequenceSet("3000:3002"));
  });
  for (const wire of ["STORE 1 +FLAGS", "STORE 1 FLAG (\\Seen)", "STORE 1 +FLAGS (\\Recent)", "STORE 1 +FLAGS (\\Foo)", "STORE 1 (UNCHANGEDSINCE x) FLAGS ()", "STORE 1 +FLAGS (a]b)", "COPY 1", "COPY 1 ../x"]) {
    it(`refuses ${wire}`, () => assert.throws(() => (wire.startsWith("COPY") ? parseCopy(args(wire)) : parseStore(args(wire))), ImapParseError));
  }
});

describe("SEARCH (RFC 3501 §6.4.4, RFC 7162 §3.1.5)", () => {
  it("reads RFC 3501's examples into a tree", () => {
    assert.deepEqual(parseSearch(args('SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).key, {
      op: "and",
      keys: [
        { op: "flag", flag: "\\Flagged", set: true },
        { op: "date", field: "internal", cmp: "since", date: { year: 1994, month: 2, day: 1 }, key: 19940201 },
        { op: "not", key: { op: "header", field: "From", value: "Smith" } },
      ],
    });
    const literal = parseSearch(command("t SEARCH CHARSET UTF-8 TEXT {6+}\r\nXXXXXX").args);
    assert.deepEqual([literal.charset, literal.key], ["UTF-8", { op: "text", value: "XXXXXX" }]);
  });
  it("reads every key", () => {
    const all =
      "ALL ANSWERED BCC a BEFORE 1-Jan-2026 BODY b CC c DELETED DRAFT FLAGGED FROM d HEADER X-Y e KEYWORD $k LARGER 10 NEW NOT SEEN OLD ON 2-Jan-2026 " +
      "OR RECENT UNSEEN SEEN SENTBEFORE 3-Jan-2026 SENTON 4-Jan-2026 SENTSINCE 5-Jan-2026 SINCE 6-Jan-2026 SMALLER 20 SUBJECT f TEXT g TO h UID 1:5 " +
      "UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $k UNSEEN 2,4:* (SEEN DRAFT) $ MODSEQ 620162338";
    const key = parseSearch(args(`SEARCH ${all}`)).key;
    assert.equal(key.op === "and" ? key.keys.length : 0, 38);
  });
  it("reads MODSEQ with an entry and RETURN options", () => {
    const search = parseSearch(args('SEARCH RETURN (MIN COUNT) MODSEQ "/flags/\\\\draft" all 620162338'));
    assert.deepEqual(search.returns, ["MIN", "COUNT"]);
    assert.deepEqual(search.key, { op: "modseq", modseq: 620162338n, entry: { name: "/flags/\\draft", type: "all" } });
  });
  it("answers an unknown charset NO [BADCHARSET]", () => refused(() => parseSearch(args("SEARCH CHARSET KOI8-R TEXT x")), "NO", "BADCHARSET"));
  it("caps OR/NOT nesting (IMAP-14)", () => {
    refused(() => parseSearch(args(`SEARCH ${"OR ".repeat(20000)}ALL ALL`)), "BAD");
    refused(() => parseSearch(args(`SEARCH ${"NOT ".repeat(100)}ALL`)), "BAD");
    assert.equal(parseSearch(args(`SEARCH ${"NOT ".repeat(60)}ALL`)).key.op, "not");
  });
  for (const wire of ["SEARCH", "SEARCH FOO", "SEARCH FROM", "SEARCH BEFORE 1-Foo-2026", "SEARCH LARGER x", "SEARCH 0:4", "SEARCH HEADER \"a:b\" x", "SEARCH RETURN (BOGUS) ALL", "SEARCH ()", "SEARCH KEYWORD \\Seen"]) {
    it(`refuses ${wire}`, () => refused(() => parseSearch(args(wire)), "BAD"));
  }
});

describe("SELECT, STATUS and mailbox commands (RFC 3501, RFC 7162)", () => {
  it("reads CONDSTORE and QRESYNC (RFC 7162 §3.2.5.2)", () => {
    assert.deepEqual(parseSelect(args("SELECT inbox")), { mailbox: "INBOX", condstore: false, qresync: null });
    assert.equal(parseSelect(args("EXAMINE INBOX (CONDSTORE)")).condstore, true);
    const q = parseSelect(args("SELECT INBOX (QRESYNC (67890007 90060115194045000 41,43:211,214:541 (1:15,18 14,24)))")).qresync;
    assert.deepEqual([q?.uidValidity, q?.modseq, q?.knownUids?.clamp(1000).length, q?.seqMatch?.uids.clamp(100)], [67890007, 90060115194045000n, 3, [[14, 14], [24, 24]]]);
    assert.equal(parseSelect(args("SELECT INBOX (QRESYNC (1 2))")).qresync?.knownUids, null);
  });
  it("reads STATUS, RENAME and the one-mailbox commands", () => {
    assert.deepEqual(parseStatus(args("STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ)")), { mailbox: "blurdybloop", items: ["UIDNEXT", "MESSAGES", "HIGHESTMODSEQ"] });
    assert.deepEqual(parseRename(args("RENAME blurdybloop sarasoop")), { from: "blurdybloop", to: "sarasoop" });
    assert.equal(parseMailboxArg(args("CREATE owatagusiam/blurdybloop")), "owatagusiam/blurdybloop");
    assert.equal(parseMailboxArg(args('CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"')), "~peter/mail/台北/日本語");
    assert.equal(parseMailboxArg(args('CREATE "台北"'), { utf8Accept: true }), "台北");
  });
  const bads: [string, "BAD" | "NO"][] = [
    ["SELECT INBOX (QRESYNC (0 1))", "BAD"], ["SELECT INBOX (QRESYNC (1 0))", "BAD"], ["SELECT INBOX (FOO)", "BAD"], ["SELECT INBOX (QRESYNC (1 2 3:4 (1)))", "BAD"],
    ["STATUS INBOX ()", "BAD"], ["STATUS INBOX (BOGUS)", "BAD"], ["SELECT", "BAD"], ["SELECT a b", "BAD"],
    ["CREATE ../other", "NO"], ["CREATE INBOX/../../etc", "NO"], ["SELECT ..", "NO"], ["RENAME INBOX/x ../../victim/INBOX", "NO"], ["DELETE ..", "NO"],
    ["CREATE {5+}\r\na\0bcd", "BAD"], ['CREATE "&AGE-"', "BAD"], ['CREATE "a%2e%2e"', "NO"],
  ];
  for (const [wire, status] of bads) {
    it(`refuses ${JSON.stringify(wire)} with ${status}`, () =>
      refused(() => (wire.startsWith("STATUS") ? parseStatus(command(`t ${wire}`).args) : wire.startsWith("RENAME") ? parseRename(args(wire)) : parseSelect(command(`t ${wire}`).args)), status));
  }
});

describe("LIST, LSUB, APPEND (RFC 3501, RFC 5258, RFC 3502, RFC 3516)", () => {
  it("reads LIST forms", () => {
    assert.deepEqual(parseList(args('LIST "" ""')), { selection: [], reference: "", patterns: [""], returns: [], extended: false });
    assert.deepEqual(parseList(args("LIST ~/Mail/ %")).patterns, ["~/Mail/%"]);
    assert.deepEqual(parseList(args('LIST (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (CHILDREN)')), {
      selection: ["SUBSCRIBED", "RECURSIVEMATCH"], reference: "", patterns: ["%"], returns: ["CHILDREN"], extended: true,
    });
    assert.deepEqual(parseList(args('LIST "" ("INBOX" "Drafts") RETURN (SPECIAL-USE)')).patterns, ["INBOX", "Drafts"]);
    assert.deepEqual(parseLsub(args('LSUB "news/" "comp.mail*"')), { reference: "news/", pattern: "news/comp.mail*" });
  });
  for (const wire of ['LIST "" "../*"', 'LIST "../" "*"', 'LIST "" "a/./b"', "LIST (RECURSIVEMATCH) \"\" *", "LIST (FOO) \"\" *", 'LIST "" * RETURN (FOO)', 'LIST "" "&Jjo"']) {
    it(`refuses ${wire}`, () => refused(() => parseList(args(wire)), "BAD"));
  }
  it("reads APPEND with flags, date-time, literal and literal8", () => {
    const msg = "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
    const append = parseAppend(command(`A003 APPEND saved-messages (\\Seen) "07-Feb-1994 21:52:25 -0800" {${msg.length}+}\r\n${msg}`).args);
    assert.equal(append.mailbox, "saved-messages");
    assert.deepEqual([append.messages[0]?.flags, append.messages[0]?.date?.date.toISOString(), append.messages[0]?.message.toString(), append.messages[0]?.binary], [
      ["\\Seen"], "1994-02-08T05:52:25.000Z", msg, false,
    ]);
    assert.equal(parseAppend(command("t APPEND Drafts ~{3+}\r\na\0b").args).messages[0]?.binary, true);
    const multi = parseAppend(command("t APPEND INBOX {1+}\r\na (\\Seen) {1+}\r\nb").args, { multiAppend: true });
    assert.equal(multi.messages.length, 2);
  });
  for (const wire of ['APPEND INBOX () "bad" {5+}\r\nhello', "APPEND INBOX (\\Seen {5+}\r\nhello", 'APPEND INBOX "hello"', "APPEND INBOX", 'APPEND INBOX "31-Feb-2026 10:00:00 +0000" {1+}\r\nx', "APPEND INBOX {1+}\r\na {1+}\r\nb"]) {
    it(`refuses ${JSON.stringify(wire)} (IMAP-16)`, () => assert.throws(() => parseAppend(command(`t ${wire}`).args), ImapParseError));
  }
});

describe("LOGIN, AUTHENTICATE, ID, ENABLE (RFC 3501, 4959, 4616, 2971, 5161)", () => {
  it("reads the RFC examples", () => {
    assert.deepEqual(parseLogin(args("LOGIN SMITH SESAME")), { username: "SMITH", password: "SESAME" });
    const auth = parseAuthenticate(args("AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q="));
    assert.deepEqual([auth.mechanism, decodeSaslPlain(auth.initialResponse!)], ["PLAIN", { authzid: "test", username: "test", password: "test" }]);
    assert.deepEqual(parseAuthenticate(args("AUTHENTICATE plain =")).initialResponse, Buffer.alloc(0));
    assert.equal(parseAuthenticate(args("AUTHENTICATE PLAIN")).initialResponse, null);
    assert.deepEqual(parseSaslResponse(Buffer.from("*")), { cancel: true });
    assert.deepEqual(parseSaslResponse(Buffer.from("")), { cancel: false, data: Buffer.alloc(0) });
    const id = parseId(args('ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'));
    assert.deepEqual([...id!], [["name", "sodr"], ["version", "19.34"], ["vendor", "Pink Floyd Music Limited"]]);
    assert.equal(parseId(args("ID NIL")), null);
    assert.deepEqual(parseEnable(args("ENABLE CONDSTORE X-GOOD-IDEA qresync")), ["CONDSTORE", "X-GOOD-IDEA", "QRESYNC"]);
    parseNoArgs(args("NOOP"));
  });
  it("refuses PLAIN with a fourth field, bad base64 and NUL in LOGIN (IMAP-07, IMAP-13)", () => {
    refused(() => decodeSaslPlain(Buffer.from("\0user\0pass\0token")), "BAD");
    refused(() => parseSaslResponse(Buffer.from("dGVzd!==")), "BAD");
    refused(() => parseAuthenticate(args("AUTHENTICATE PLAIN dGVzdA")), "BAD");
    refused(() => parseLogin(command("t LOGIN {5+}\r\nus\0er pw").args), "BAD");
  });
  it("caps ID and refuses arguments where none belong (IMAP-06)", () => {
    const many = Array.from({ length: 1000 }, (_, i) => `"f${i}" "v"`).join(" ");
    refused(() => parseId(args(`ID (${many})`)), "BAD");
    refused(() => parseId(args(`ID ("name" "${"x".repeat(1025)}")`)), "BAD");
    refused(() => parseId(args('ID ("a" "1" "A" "2")')), "BAD");
    refused(() => parseId(args('ID ("a")')), "BAD");
    refused(() => parseNoArgs(args("NOOP junk")), "BAD");
    refused(() => parseEnable(args("ENABLE")), "BAD");
  });
});
