import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
});
