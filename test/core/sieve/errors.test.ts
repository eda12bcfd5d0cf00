// Bad scripts: each refused at compile time with the line and column of the fault, and the
// limits (size, nesting, redirects, actions) enforced at compile or run time.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileSieve, runSieve } from "../../../src/core/sieve/index.js";
import { actions, compile, problem, run, simple } from "./sieve-support.js";

const plain = simple({ From: "someone@example.org", Subject: "hello" });

describe("compile errors carry line and column", () => {
  const table: [name: string, script: string, line: number, column: number, message: RegExp][] = [
    ["unterminated string", 'keep;\nif header :is "subject" "oops {\n  discard;\n}', 2, 25, /unterminated string/],
    ["unterminated multi-line string", 'require "reject";\nreject text:\nno end\n', 2, 8, /unterminated multi-line/],
    ["text: followed by more on its line", 'require "reject";\nreject text: oops\n.\n;', 2, 14, /end of the line/],
    ["unterminated bracket comment", "keep;\n  /* never closed", 2, 3, /unterminated comment/],
    ["bad number suffix", "if size :over 10KB { discard; }", 1, 15, /bad number/],
    ["number too large", "if size :over 99999999999999999999 { discard; }", 1, 15, /too large/],
    ["unknown command", 'require "fileinto";\nif true {\n  frobnicate "x";\n}', 3, 3, /unknown command 'frobnicate'/],
    ["unknown test", "if bogus { keep; }", 1, 4, /unknown test 'bogus'/],
    ["unknown extension", 'require ["fileinto", "notify"];', 1, 9, /unknown extension "notify"/],
    ["missing require for a command", 'keep;\nfileinto "x";', 2, 1, /needs require "fileinto"/],
    ["missing require for a test", 'if envelope "from" "a@b" { keep; }', 1, 4, /needs require "envelope"/],
    ["missing require for a tag", 'require "fileinto";\nfileinto :copy "x";', 2, 10, /needs require "copy"/],
    ["missing require for a comparator", 'if header :comparator "i;ascii-numeric" "x" "1" { keep; }', 1, 11, /comparator-i;ascii-numeric/],
    ["require after a command", 'keep;\nrequire "fileinto";', 2, 1, /must come before/],
    ["string where a number goes", 'if size :over "10" { discard; }', 1, 15, /expects a number/],
    ["string list where one string goes", 'require "fileinto";\nfileinto ["a", "b"];', 2, 10, /expects a string, not a string list/],
    ["missing argument", "redirect;", 1, 1, /missing/],
    ["extra argument", 'discard "now";', 1, 9, /does not take a string/],
    ["unknown tag", 'if header :regex "a" "b" { keep; }', 1, 11, /no tag :regex/],
    ["two match types", 'if header :is :contains "a" "b" { keep; }', 1, 15, /cannot be used with :is/],
    ["tag given twice", 'if address :all :all "from" "b" { keep; }', 1, 17, /given twice/],
    ["size without :over/:under", "if size 10 { keep; }", 1, 4, /:over or :under/],
    ["unsupported comparator", 'if header :comparator "i;unicode-casemap" "a" "b" { keep; }', 1, 11, /not supported/],
    [":matches with i;ascii-numeric", 'require "comparator-i;ascii-numeric";\nif header :matches :comparator "i;ascii-numeric" "a" "1*" { keep; }', 2, 11, /cannot do :matches/],
    ["bad relational operator", 'require "relational";\nif header :value "gte" "a" "1" { keep; }', 2, 11, /"gt", "ge"/],
    ["elsif without if", "keep;\nelsif true { keep; }", 2, 1, /without a preceding 'if'/],
    ["if without a test", "if { keep; }", 1, 1, /exactly one test/],
    ["if without a block", "if true;", 1, 1, /needs a block/],
    ["missing semicolon", "keep\ndiscard;", 2, 1, /'keep' takes no test/],
    ["missing semicolon at the end", "keep", 1, 1, /expected ';' or '\{' after 'keep', but the script ended/],
    ["unclosed block", "if true {\n  keep;\n", 2, 7, /'}'.*script ended/],
    ["stray close brace", "keep; }", 1, 7, /unexpected '}'/],
    ["empty string list", "if header [] \"a\" { keep; }", 1, 12, /expected a string/],
    ["invalid redirect address", 'redirect "not an address";', 1, 10, /not a valid address/],
    ["address test on a non-address header", 'if address "subject" "a" { keep; }', 1, 12, /only on address headers/],
    ["unknown envelope part", 'require "envelope";\nif envelope "auth" "a" { keep; }', 2, 13, /envelope part "auth"/],
    ["bad header name", 'if exists "bad name" { keep; }', 1, 11, /not a header field name/],
    ["invalid unicode encoded character", 'require "encoded-character";\nif header :is "a" "${unicode:D800}" { keep; }', 2, 19, /invalid unicode/],
    ["not with a test list", "if not (true) { keep; }", 1, 4, /exactly one test/],
    ["allof without parentheses", "if allof true { keep; }", 1, 4, /test list/],
    ["tag after a positional argument", 'if header "a" :is "b" { keep; }', 1, 15, /tags come before/],
    ["vacation :from not an address", 'require "vacation";\nvacation :from "nobody" "away";', 2, 10, /not a valid address/],
    ["unexpected character", "keep; @", 1, 7, /unexpected character/],
  ];
  for (const [name, script, line, column, message] of table) {
    it(name, () => {
      const p = problem(script);
      assert.match(p.message, message);
      assert.deepEqual([p.line, p.column], [line, column], p.message);
    });
  }
});

describe("limits", () => {
  it("a script longer than maxBytes (64 KiB by default) is refused", () => {
    const long = `keep;\n${"# filler\n".repeat(8000)}`;
    assert.ok(Buffer.byteLength(long) > 64 * 1024);
    const p = problem(long);
    assert.match(p.message, /too long \(at most 65536 bytes\)/);
    assert.deepEqual([p.line, p.column], [7283, 2]); // the first byte past the limit
    assert.ok(compileSieve(long, { maxBytes: 128 * 1024 }).ok);
    assert.match(problem("keep; keep;", { maxBytes: 8 }).message, /too long/);
  });

  it("blocks and tests nested deeper than maxNesting (15 by default) are refused", () => {
    const nest = (n: number): string => `${"if true {\n".repeat(n)}keep;\n${"}\n".repeat(n)}`;
    compile(nest(15));
    const p = problem(nest(16));
    assert.match(p.message, /nested too deep \(at most 15\)/);
    assert.deepEqual([p.line, p.column], [16, 9]);
    assert.match(problem(nest(4), { maxNesting: 3 }).message, /nested too deep/);
    const tests = (n: number): string => `if ${"not ".repeat(n)}true { keep; }`;
    compile(tests(14));
    assert.match(problem(tests(15)).message, /tests nested too deep/);
  });

  it("more than 5 redirects in a run is a run-time error: implicit keep and the error", () => {
    const five = Array.from({ length: 5 }, (_, i) => `redirect "r${i}@example.com";`).join("\n");
    assert.equal(actions(five, plain).length, 5);
    const outcome = run(`${five}\nredirect "r5@example.com";`, plain);
    assert.deepEqual(outcome.actions, [{ kind: "keep", flags: [] }]);
    assert.equal(outcome.error, "line 6, column 1: too many redirects (at most 5)");
    // Repeats of one address are one redirect.
    assert.equal(actions(`${five}\nredirect "r0@example.com";`, plain).length, 5);
  });

  it("more actions than maxActions is a run-time error", () => {
    const script = 'require "fileinto";\n' + Array.from({ length: 4 }, (_, i) => `fileinto "f${i}";`).join("\n");
    const result = compileSieve(script, { maxActions: 3 });
    assert.ok(result.ok);
    const outcome = runSieve(result.script, plain);
    assert.deepEqual(outcome.actions, [{ kind: "keep", flags: [] }]);
    assert.equal(outcome.error, "line 5, column 1: too many actions (at most 3)");
  });

  it("a run-time error discards the flags set so far: the fallback keep has none", () => {
    const outcome = run('require ["imap4flags", "vacation"]; addflag "x"; vacation "a"; vacation "b";', plain);
    assert.deepEqual(outcome.actions, [{ kind: "keep", flags: [] }]);
  });
});
