// Server responses as wire text, from the RFCs' examples: RFC 3501 §7/§8, RFC 4315 (APPENDUID,
// COPYUID), RFC 6851 (MOVE), RFC 7162 (HIGHESTMODSEQ, MODIFIED, VANISHED), RFC 2971 (ID).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { searchCharsets, type ResponseCode } from "../../../src/protocols/imap/codec/codes.js";
import {
  continuation, formatEnabled, formatFetch, formatId, formatListItem, formatNamespace, formatQuota, formatQuotaRoot,
  formatResponseCode, formatSearch, formatStatusItem, formatVanished, saslChallenge, tagged, untagged, untaggedStatus,
} from "../../../src/protocols/imap/codec/response.js";
import { formatOrderedSet, formatSequenceSet } from "../../../src/protocols/imap/codec/sequence.js";

describe("response codes (RFC 3501 §7.1, RFC 4315, RFC 5530, RFC 7162)", () => {
  const cases: [ResponseCode, string][] = [
    [{ code: "UIDNEXT", value: 4392 }, "[UIDNEXT 4392]"],
    [{ code: "UIDVALIDITY", value: 3857529045 }, "[UIDVALIDITY 3857529045]"],
    [{ code: "UNSEEN", value: 12 }, "[UNSEEN 12]"],
    [{ code: "PERMANENTFLAGS", flags: ["\\Deleted", "\\Seen", "\\*"] }, "[PERMANENTFLAGS (\\Deleted \\Seen \\*)]"],
    [{ code: "HIGHESTMODSEQ", value: 715194045007n }, "[HIGHESTMODSEQ 715194045007]"],
    [{ code: "APPENDUID", uidValidity: 38505, uids: [3955] }, "[APPENDUID 38505 3955]"],
    [{ code: "COPYUID", uidValidity: 38505, source: [304, 319, 320], dest: [3956, 3957, 3958] }, "[COPYUID 38505 304,319:320 3956:3958]"],
    [{ code: "COPYUID", uidValidity: 432432, source: [42, 43, 44], dest: [1202, 1203, 1204] }, "[COPYUID 432432 42:44 1202:1204]"],
    [{ code: "MODIFIED", set: [7, 9] }, "[MODIFIED 7,9]"],
    [{ code: "CAPABILITY", capabilities: ["IMAP4rev1", "LITERAL+", "IDLE"] }, "[CAPABILITY IMAP4rev1 LITERAL+ IDLE]"],
    [{ code: "BADCHARSET", charsets: searchCharsets }, "[BADCHARSET (UTF-8 US-ASCII)]"],
    ...(["ALERT", "TRYCREATE", "OVERQUOTA", "AUTHENTICATIONFAILED", "UNAVAILABLE", "CANNOT", "NONEXISTENT", "ALREADYEXISTS", "LIMIT", "TOOBIG", "READ-WRITE", "NOMODSEQ"] as const).map(
      (code): [ResponseCode, string] => [{ code }, `[${code}]`],
    ),
  ];
  for (const [code, wire] of cases) it(wire, () => assert.equal(formatResponseCode(code), wire));
});

describe("status lines and continuations (RFC 3501 §7.1, §7.5)", () => {
  it("writes the RFC 3501 §8 sample replies", () => {
    assert.equal(untaggedStatus("OK", "IMAP4rev1 Service Ready"), "* OK IMAP4rev1 Service Ready\r\n");
    assert.equal(tagged("a001", "OK", "LOGIN completed"), "a001 OK LOGIN completed\r\n");
    assert.equal(untagged("172 EXISTS"), "* 172 EXISTS\r\n");
    assert.equal(untaggedStatus("OK", "Predicted next UID", { code: "UIDNEXT", value: 4392 }), "* OK [UIDNEXT 4392] Predicted next UID\r\n");
    assert.equal(tagged("a002", "OK", "SELECT completed", { code: "READ-WRITE" }), "a002 OK [READ-WRITE] SELECT completed\r\n");
    assert.equal(untaggedStatus("BYE", "IMAP4rev1 Server logging out"), "* BYE IMAP4rev1 Server logging out\r\n");
  });
  it("answers unparseable commands untagged and strips CR/LF/NUL from text", () => {
    assert.equal(tagged(null, "BAD", "Invalid tag"), "* BAD Invalid tag\r\n");
    assert.equal(tagged("a", "NO", "bad\r\nb OK injected\0"), "a NO bad b OK injected \r\n");
    assert.equal(tagged("a", "NO", "Too big", { code: "TOOBIG" }), "a NO [TOOBIG] Too big\r\n");
  });
  it("writes continuation requests and SASL challenges", () => {
    assert.equal(continuation(), "+ Ready for literal data\r\n");
    assert.equal(continuation("idling"), "+ idling\r\n");
    assert.equal(saslChallenge(Buffer.alloc(0)), "+ \r\n");
    assert.equal(saslChallenge(Buffer.from("hi")), "+ aGk=\r\n");
  });
});

describe("data responses", () => {
  it("LIST, LSUB, STATUS with mailbox names encoded (RFC 3501 §7.2)", () => {
    assert.equal(formatListItem(["\\Noselect"], ""), '* LIST (\\Noselect) "/" ""\r\n');
    assert.equal(formatListItem(["\\HasNoChildren", "\\Drafts"], "Entwürfe"), '* LIST (\\HasNoChildren \\Drafts) "/" "Entw&APw-rfe"\r\n');
    assert.equal(formatListItem([], "Entwürfe", { utf8Accept: true, command: "LSUB" }), '* LSUB () "/" {9}\r\nEntwürfe\r\n');
    assert.equal(formatStatusItem("blurdybloop", [["MESSAGES", 231], ["UIDNEXT", 44292], ["HIGHESTMODSEQ", 7011231777n]]), "* STATUS \"blurdybloop\" (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n");
  });
  it("FETCH with literals and literal8 (RFC 3501 §7.4.2, RFC 3516 §4.2)", () => {
    const out = formatFetch(12, [["FLAGS", "(\\Seen)"], ["BODY[]", Buffer.from("ab\r\n")], ["BINARY[1]", { literal8: Buffer.from([0, 1]) }]]);
    assert.deepEqual(out, Buffer.concat([Buffer.from("* 12 FETCH (FLAGS (\\Seen) BODY[] {4}\r\nab\r\n BINARY[1] ~{2}\r\n"), Buffer.from([0, 1]), Buffer.from(")\r\n")]));
  });
  it("SEARCH, VANISHED, ID, ENABLED, NAMESPACE, QUOTA", () => {
    assert.equal(formatSearch([2, 84, 882]), "* SEARCH 2 84 882\r\n");
    assert.equal(formatSearch([]), "* SEARCH\r\n");
    assert.equal(formatSearch([2, 5, 6], 917162500n), "* SEARCH 2 5 6 (MODSEQ 917162500)\r\n");
    assert.equal(formatVanished([41, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60], true), "* VANISHED (EARLIER) 41,43:60\r\n");
    assert.equal(formatId(new Map([["name", "Cyrus"], ["os", null]])), '* ID ("name" "Cyrus" "os" NIL)\r\n');
    assert.equal(formatId(null), "* ID NIL\r\n");
    assert.equal(formatEnabled(["CONDSTORE"]), "* ENABLED CONDSTORE\r\n");
    assert.equal(formatEnabled([]), "* ENABLED\r\n");
    assert.equal(formatNamespace(), '* NAMESPACE (("" "/")) NIL NIL\r\n');
    assert.equal(formatQuota("", [["STORAGE", 10, 512]]), '* QUOTA "" (STORAGE 10 512)\r\n');
    assert.equal(formatQuotaRoot("INBOX", [""]), '* QUOTAROOT "INBOX" ""\r\n');
  });
  it("compact sets: sorted for uid-set, in order for COPYUID", () => {
    assert.equal(formatSequenceSet([7, 1, 2, 3, 3]), "1:3,7");
    assert.equal(formatSequenceSet([]), "");
    assert.equal(formatSequenceSet([4294967295]), "4294967295");
    assert.equal(formatOrderedSet([5, 6, 1, 2, 9]), "5:6,1:2,9");
  });
});
