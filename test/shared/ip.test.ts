import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMoatError } from "../../src/shared/errors.js";
import { CidrSet, isLoopback, normalizeIp } from "../../src/shared/ip.js";

describe("normalizeIp", () => {
  const cases: [string, string | null][] = [
    ["1.2.3.4", "1.2.3.4"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::FFFF:102:304", "1.2.3.4"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8::1", "2001:db8::1"],
    ["::1", "::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["fe80::1%eth0.100", "fe80::1"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
    // ipaddr.js alone reads these as IPv4-mapped or octal/hex; RFC 4291 does not.
    ["::127.0.0.1", "::7f00:1"],
    ["::ffff:0x7f.0.0.1", null],
    ["::ffff:010.0.0.1", null],
    ["::ffff:127.1", null],
    // Shorthand IPv4 forms are refused: "127.1" must not become a loopback address.
    ["127.1", null],
    ["0x7f.0.0.1", null],
    ["10", null],
    ["1.2.3.256", null],
    ["", null],
    ["unknown", null],
    [" 1.2.3.4", null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizeIp(input), expected);
    });
  }
});

describe("isLoopback", () => {
  it("knows IPv4, IPv6 and IPv4-mapped loopback", () => {
    assert.equal(isLoopback("127.0.0.1"), true);
    assert.equal(isLoopback("127.8.9.10"), true);
    assert.equal(isLoopback("::1"), true);
    assert.equal(isLoopback("::ffff:127.0.0.1"), true);
  });
  it("is false for other addresses and for non-addresses", () => {
    assert.equal(isLoopback("10.0.0.1"), false);
    assert.equal(isLoopback("2001:db8::1"), false);
    assert.equal(isLoopback("::"), false);
    assert.equal(isLoopback("127.1"), false);
    assert.equal(isLoopback("localhost"), false);
  });
});

describe("CidrSet", () => {
  it("matches IPv4 ranges and bare addresses as /32", () => {
    const set = CidrSet.parse(["10.0.0.0/8", "192.0.2.7"]);
    assert.equal(set.has("10.200.3.4"), true);
    assert.equal(set.has("11.0.0.1"), false);
    assert.equal(set.has("192.0.2.7"), true);
    assert.equal(set.has("192.0.2.8"), false);
  });

  it("matches IPv4 rules against IPv4-mapped IPv6 clients", () => {
    const set = CidrSet.parse(["10.0.0.0/8"]);
    assert.equal(set.has("::ffff:10.1.2.3"), true);
    assert.equal(set.has("::ffff:11.1.2.3"), false);
  });

  it("reads an IPv4-mapped range as the IPv4 range", () => {
    const set = CidrSet.parse(["::ffff:10.0.0.0/104"]);
    assert.deepEqual(set.entries, ["10.0.0.0/8"]);
    assert.equal(set.has("10.9.9.9"), true);
  });

  it("matches IPv6 ranges and bare addresses as /128", () => {
    const set = CidrSet.parse(["2001:db8::/32", "fd00::5"]);
    assert.equal(set.has("2001:db8:1::9"), true);
    assert.equal(set.has("2001:db9::1"), false);
    assert.equal(set.has("FD00:0::5"), true);
    assert.equal(set.has("fd00::6"), false);
  });

  it("never matches across families", () => {
    const set = CidrSet.parse(["0.0.0.0/0"]);
    assert.equal(set.has("2001:db8::1"), false);
    assert.equal(CidrSet.parse(["::/0"]).has("1.2.3.4"), false);
  });

  it("is false for text that is not an address", () => {
    const set = CidrSet.parse(["0.0.0.0/0", "::/0"]);
    assert.equal(set.has("unknown"), false);
    assert.equal(set.has(""), false);
    assert.equal(set.has("127.1"), false);
  });

  it("accepts a comma-separated string as the environment gives it", () => {
    const set = CidrSet.parse(" 10.0.0.0/8, 2001:db8::/32 ,");
    assert.deepEqual(set.entries, ["10.0.0.0/8", "2001:db8::/32"]);
    assert.equal(set.size, 2);
  });

  it("the empty set trusts nobody", () => {
    assert.equal(CidrSet.empty().has("127.0.0.1"), false);
    assert.equal(CidrSet.parse([]).has("127.0.0.1"), false);
    assert.equal(CidrSet.parse("").size, 0);
  });

  for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x", "example.com", "127.1", "10.0.0.0/-1", ""]) {
    it(`throws invalid_input naming ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => CidrSet.parse(["10.0.0.0/8", bad]),
        (err: unknown) => isMoatError(err, "invalid_input") && err.message.includes(JSON.stringify(bad)),
      );
    });
  }
});
