// Match types and comparators (RFC 5228 §2.7, RFC 4790, RFC 5231): the edge cases.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareValues, globMatch, matchValues } from "../../../src/core/sieve/match.js";
import type { ComparatorName, Match, MatchType } from "../../../src/core/sieve/program.js";
import { actions, simple } from "./sieve-support.js";

const m = (type: MatchType, keys: string[], comparator: ComparatorName = "i;ascii-casemap"): Match => ({ comparator, type, keys });

describe(":matches", () => {
  const table: [pattern: string, value: string, expected: boolean][] = [
    ["*", "", true],
    ["*", "anything", true],
    ["?", "", false],
    ["?", "a", true],
    ["?", "ab", false],
    ["a*b", "ab", true],
    ["a*b", "axxxb", true],
    ["a*b", "axxxbc", false],
    ["*money*", "Make money fast", true],
    ["*make*money*fast*", "make lots of money really fast", true],
    ["*make*money*fast*", "fast money make", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["??*", "a", false],
    ["*?", "a", true],
    // Escapes: \* and \? are literal, \\ is a backslash.
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["what\\?", "what?", true],
    ["what\\?", "whats", false],
    ["c:\\\\dir", "c:\\dir", true],
    ["\\a", "a", true],
    // "?" is one character, not one UTF-16 unit.
    ["?", "☺", true],
    ["?", "😀", true],
    ["a*a*a*a*a*a*a*b", "a".repeat(5000), false],
  ];
  for (const [pattern, value, expected] of table) {
    it(`${JSON.stringify(pattern)} against ${JSON.stringify(value.length > 20 ? `${value.slice(0, 10)}…` : value)} is ${expected}`, () => {
      assert.equal(globMatch(pattern, value), expected);
    });
  }

  it("through a script: escaped wildcards in a Sieve string", () => {
    // In Sieve source "\\*" is the two characters \* (RFC 5228 §2.7.1).
    const star = simple({ Subject: "rate: 5*" });
    assert.deepEqual(actions('if header :matches "subject" "rate: ?\\\\*" { discard; }', star), ["discard"]);
    assert.deepEqual(actions('if header :matches "subject" "rate: ?\\\\*" { discard; }', simple({ Subject: "rate: 5x" })), ["keep"]);
    assert.deepEqual(actions('if header :matches "subject" "*\\\\?" { discard; }', simple({ Subject: "why?" })), ["discard"]);
    assert.deepEqual(actions('if header :matches "subject" "*\\\\?" { discard; }', simple({ Subject: "why!" })), ["keep"]);
  });
});

describe("comparators", () => {
  it("i;ascii-casemap folds ASCII letters only", () => {
    assert.ok(matchValues(m({ kind: "is" }, ["HELLO"]), ["hello"]));
    assert.ok(!matchValues(m({ kind: "is" }, ["CAFÉ"]), ["café"]));
    assert.ok(matchValues(m({ kind: "contains" }, ["LO W"]), ["hello world"]));
    assert.ok(matchValues(m({ kind: "matches" }, ["H*O"]), ["hello"]));
  });

  it("i;octet is exact", () => {
    assert.ok(!matchValues(m({ kind: "is" }, ["HELLO"], "i;octet"), ["hello"]));
    assert.ok(matchValues(m({ kind: "contains" }, ["ell"], "i;octet"), ["hello"]));
    assert.ok(!matchValues(m({ kind: "matches" }, ["H*"], "i;octet"), ["hello"]));
  });

  it("i;ascii-numeric compares leading digits; no digits is positive infinity", () => {
    assert.equal(compareValues("i;ascii-numeric", "10", "9"), 1);
    assert.equal(compareValues("i;ascii-numeric", "007", "7"), 0);
    assert.equal(compareValues("i;ascii-numeric", "12abc", "12"), 0);
    assert.equal(compareValues("i;ascii-numeric", "abc", "99999999999999999999999"), 1);
    assert.equal(compareValues("i;ascii-numeric", "abc", "xyz"), 0);
    assert.ok(matchValues(m({ kind: "is" }, ["5"], "i;ascii-numeric"), ["05"]));
  });

  it("i;octet orders by code point (UTF-8 octets), not UTF-16 units", () => {
    assert.equal(compareValues("i;octet", "\uffff", "😀"), -1);
    assert.equal(compareValues("i;octet", "B", "a"), -1);
    assert.equal(compareValues("i;ascii-casemap", "B", "a"), 1);
  });
});

describe("relational :value and :count", () => {
  it(":value compares each value with the comparator's order", () => {
    assert.ok(matchValues(m({ kind: "value", op: "gt" }, ["M"]), ["zed"]));
    assert.ok(!matchValues(m({ kind: "value", op: "gt" }, ["M"]), ["alice"]));
    assert.ok(matchValues(m({ kind: "value", op: "lt" }, ["3"], "i;ascii-numeric"), ["1"]));
    assert.ok(matchValues(m({ kind: "value", op: "ne" }, ["a"]), ["a", "b"]));
    assert.ok(!matchValues(m({ kind: "value", op: "eq" }, ["x"]), []));
  });

  it(":count counts values and compares the count as a string with the comparator", () => {
    assert.ok(matchValues(m({ kind: "count", op: "eq" }, ["0"], "i;ascii-numeric"), []));
    assert.ok(matchValues(m({ kind: "count", op: "ge" }, ["2"], "i;ascii-numeric"), ["a", "b", "c"]));
    // With i;ascii-casemap "10" sorts before "9" (RFC 5231 §4.2 compares the count as text).
    const ten = Array.from({ length: 10 }, () => "x");
    assert.ok(matchValues(m({ kind: "count", op: "lt" }, ["9"]), ten));
    assert.ok(!matchValues(m({ kind: "count", op: "lt" }, ["9"], "i;ascii-numeric"), ten));
  });

  it(":count over headers counts fields; over address counts addresses", () => {
    const msg = simple({ To: "a@x.example, b@x.example, undisclosed:;", Received: "one" });
    const req = 'require ["relational", "comparator-i;ascii-numeric"];';
    assert.deepEqual(actions(`${req} if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { discard; }`, msg), ["discard"]);
    assert.deepEqual(actions(`${req} if header :count "eq" :comparator "i;ascii-numeric" "received" "1" { discard; }`, msg), ["discard"]);
    assert.deepEqual(actions(`${req} if header :count "eq" :comparator "i;ascii-numeric" "x-none" "0" { discard; }`, msg), ["discard"]);
    assert.deepEqual(actions(`require ["relational", "comparator-i;ascii-numeric", "envelope"]; if envelope :count "eq" :comparator "i;ascii-numeric" "from" "0" { discard; }`,
      simple({ Subject: "bounce" }, "x\n", { from: "" })), ["discard"]);
  });
});
