import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domainToASCII } from "node:url";
import { displayAddress, displayDomain, parseAddress, parseDomain, type DomainName } from "../../src/mail/address.js";

const ok = (input: string) => {
  const r = parseAddress(input);
  assert.ok(r.ok, `${input}: ${r.ok ? "" : r.error}`);
  return r.value;
};

describe("addresses", () => {
  it("compares case-insensitively by lower-casing local part and domain", () => {
    assert.equal(ok("Alice.Smith@Example.COM"), "alice.smith@example.com");
    assert.equal(ok("  bob@example.com "), "bob@example.com");
  });

  it("stores IDN domains in punycode and shows them in Unicode", () => {
    const a = ok("Jörg@Bücher.example");
    assert.equal(a, "jörg@xn--bcher-kva.example");
    assert.equal(displayAddress(a), "jörg@bücher.example");
    assert.equal(displayDomain("xn--bcher-kva.example" as DomainName), "bücher.example");
    const d = parseDomain("例え.テスト");
    assert.ok(d.ok);
    assert.equal(d.value, "xn--r8jz45g.xn--zckzah");
  });

  it("accepts the same domain given in punycode or Unicode", () => {
    assert.equal(ok("x@xn--bcher-kva.example"), ok("x@BÜCHER.example"));
  });

  for (const bad of [
    "no-at-sign",
    "@example.com",
    "user@",
    "user@localhost",
    "user@-bad-.com",
    "user@exa mple.com",
    "us er@example.com",
    '"quoted"@example.com',
    "a..b@example.com",
    ".a@example.com",
    "user@example.com@evil.com",
    "user%evil.com@example.com@x",
    "user@[127.0.0.1]",
    "user@1.2.3.4",
    `${"a".repeat(65)}@example.com`,
    `user@${"a".repeat(64)}.com`,
    "user@example.com\r\nRCPT TO:<x@y>",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseAddress(bad).ok, false);
    });
  }

  it("parses a domain as the IDNA path alone would, whether or not it takes the ASCII shortcut", () => {
    // The general path as it was before the shortcut: every name through domainToASCII.
    const reference = (input: string): string => {
      const trimmed = input.trim().replace(/\.$/, "");
      if (trimmed === "" || /[\s@/\\]/.test(trimmed)) return "not a domain name";
      const ascii = domainToASCII(trimmed.normalize("NFC").toLowerCase());
      const labels = ascii.split(".");
      if (ascii === "" || labels.length < 2 || ascii.length > 253 || !labels.every((l) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(l))) return "invalid";
      if (/^\d+$/.test(labels[labels.length - 1]!)) return "ip";
      return ascii;
    };
    const outcome = (input: string): string => {
      const r = parseDomain(input);
      return r.ok ? r.value : /IP address/.test(r.error) ? "ip" : /not a valid/.test(r.error) ? "invalid" : "not a domain name";
    };
    const edges = ["Example.COM", "a.b", "a..b", ".a", "a.", "a.com.", "-a.com", "a-.com", "ab--cd.com", "xn--a.com", "XN--bcher-kva.example", "a.xn--zckzah", "123.com", "a.09", "a.0x10", "a.0X1f", "1.com.2", "1.2.3.4", "a.1e3", "a.b-", "a_b.com", "\u212Aelvin.com", "k.\u212A", "ｅxample.com"];
    // A fixed pseudo-random walk over the characters that matter, and fragments that matter.
    const pieces = ["a", "Z", "x", "n", "-", "--", "xn--", ".", "0", "9", "0x", "1e", "k", "\u212A", "é"];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const piece = () => pieces[Math.floor(next() * pieces.length)];
    const random = Array.from({ length: 10_000 }, () => Array.from({ length: 1 + Math.floor(next() * 8) }, piece).join(""));
    // Shaped like names: two to four labels of one to three pieces.
    const label = () => Array.from({ length: 1 + Math.floor(next() * 3) }, piece).join("");
    random.push(...Array.from({ length: 10_000 }, () => Array.from({ length: 2 + Math.floor(next() * 3) }, label).join(".")));
    let shortcut = 0;
    for (const input of [...edges, ...random]) {
      assert.equal(outcome(input), reference(input), JSON.stringify(input));
      if (/^(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*$/.test(input) && !/(?:^|\.)xn--/i.test(input)) shortcut++;
    }
    assert.ok(shortcut > 1000, `the shortcut was taken ${shortcut} times`);
  });
});
