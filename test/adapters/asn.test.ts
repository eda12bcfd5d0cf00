// The ASN adapter over the AS ranges of the installed npm package @ip-location-db/asn: ranges
// read from the package's own CSV land on their AS and operator (first, last and inside
// addresses, quoted names), IPv4-mapped IPv6 is looked up as IPv4, IPv6 is searched by all
// 128 bits, and addresses no AS announces answer null without reading the files.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { asnFolder, createAsnTable } from "../../src/adapters/asn/index.js";
import { isMoatError } from "../../src/shared/errors.js";

const table = createAsnTable();

/** Lines of the package's address-text CSV (not the numeric one the adapter reads). */
function csvLine(file: string, startsWith: string): string[] {
  const line = fs.readFileSync(path.join(asnFolder(), file), "utf8").split("\n").find((l) => l.startsWith(startsWith));
  assert.ok(line, `${startsWith} in ${file}`);
  const [start, end, asn, ...org] = line.split(",");
  return [start!, end!, asn!, org.join(",").replace(/^"(.*)"$/, "$1").replaceAll('""', '"')];
}

describe("ASN table (@ip-location-db/asn, offline)", () => {
  it("answers null for addresses no AS announces, without reading the files", () => {
    const lazy = createAsnTable("/nonexistent-folder");
    for (const ip of ["10.1.2.3", "192.168.0.1", "172.16.5.4", "100.64.0.1", "fd00::1", "127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.1.1", "fe80::1", "224.0.0.1", "0.0.0.0", "192.0.2.1", "2001:db8::1", "not an address", "127.1"]) {
      assert.equal(lazy.lookup(ip), null, ip);
    }
    assert.throws(() => lazy.lookup("8.8.8.8"), (err) => isMoatError(err, "config_invalid") && /ASN table/.test(err.message));
  });

  it("finds the AS of the first, last and an inside address of ranges taken from the package's CSV", () => {
    for (const [file, prefix, inside] of [
      ["asn-ipv4.csv", "8.8.8.0,", "8.8.8.8"],
      ["asn-ipv4.csv", "1.1.1.0,", "1.1.1.1"],
      ["asn-ipv4.csv", "193.0.0.0,", "193.0.3.4"],
      ["asn-ipv6.csv", "2001:4860::,", "2001:4860:4000::8888"],
      ["asn-ipv6.csv", "2001:67c:2e8::,", "2001:67c:2e8::1"],
      ["asn-ipv6.csv", "2a02:6b8::,", "2a02:6b8:a::1"],
    ] as const) {
      const [start, end, asn, org] = csvLine(file, prefix);
      for (const ip of [start!, end!, inside]) assert.deepEqual(table.lookup(ip), { asn: Number(asn), org }, `${ip} in ${start}-${end}`);
    }
    assert.deepEqual(table.lookup("1.1.1.1"), { asn: 13335, org: "Cloudflare, Inc." }, "a quoted name with a comma");
  });

  it("keeps doubled quotes of a quoted name as one quote", () => {
    const line = fs.readFileSync(path.join(asnFolder(), "asn-ipv4.csv"), "utf8").split("\n").find((l) => l.includes('""'));
    assert.ok(line);
    const [start, , asn] = line.split(",");
    const found = table.lookup(start!);
    assert.equal(found?.asn, Number(asn));
    assert.match(found!.org, /^[^"]*"[^"]+"[^"]*$/, `${found?.org}: a name with quotes in it`);
  });

  it("looks up IPv4-mapped IPv6 as IPv4, and answers null between ranges", () => {
    assert.deepEqual(table.lookup("::ffff:8.8.8.8"), table.lookup("8.8.8.8"));
    assert.equal(table.lookup("8.8.8.8")?.org, "Google LLC");
    // 2c0f:ffff:: follows the last announced IPv6 range.
    assert.equal(table.lookup("2c0f:ffff:ffff::1"), null);
  });

  it("answers a lookup in microseconds once loaded", () => {
    table.open();
    const ips = Array.from({ length: 20_000 }, (_, i) => `${(i % 200) + 11}.${(i * 7) % 256}.${(i * 13) % 256}.${i % 250}`);
    const start = performance.now();
    for (const ip of ips) table.lookup(ip);
    const perLookupUs = ((performance.now() - start) * 1000) / ips.length;
    assert.ok(perLookupUs < 100, `${perLookupUs.toFixed(1)} µs per lookup`);
  });
});
