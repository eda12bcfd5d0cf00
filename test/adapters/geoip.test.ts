// The GeoIP adapter over the GeoLite2 City data of the installed npm package: well-known public
// addresses land in their (stable) country, IPv4-mapped IPv6 is looked up as IPv4, and addresses
// no database can place are labelled by what they are, without reading the files.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGeoLite2, geoLite2Folder } from "../../src/adapters/geoip/index.js";
import { countryOf } from "../../src/core/ports/geoip.js";
import { isMoatError } from "../../src/shared/errors.js";

const geo = createGeoLite2();

describe("GeoIP (GeoLite2 City, offline)", () => {
  it("labels private, loopback, link-local, multicast and reserved addresses without opening the database", () => {
    const lazy = createGeoLite2("/nonexistent-folder");
    const cases: Array<[string, string]> = [
      ["10.1.2.3", "private"],
      ["192.168.0.1", "private"],
      ["172.16.5.4", "private"],
      ["100.64.0.1", "private"],
      ["fd00::1", "private"],
      ["127.0.0.1", "loopback"],
      ["::1", "loopback"],
      ["::ffff:127.0.0.1", "loopback"],
      ["169.254.10.1", "link-local"],
      ["fe80::1", "link-local"],
      ["224.0.0.1", "multicast"],
      ["ff02::1", "multicast"],
      ["0.0.0.0", "reserved"],
      ["192.0.2.1", "reserved"],
      ["2001:db8::1", "reserved"],
      ["not an address", "unknown"],
      ["127.1", "unknown"],
    ];
    for (const [ip, kind] of cases) assert.equal(lazy.lookup(ip).kind, kind, ip);
    assert.equal(lazy.builtAt(), undefined, "nothing was read");
    assert.throws(() => lazy.lookup("8.8.8.8"), (err) => isMoatError(err, "config_invalid") && /GeoIP database/.test(err.message));
  });

  it("places well-known public addresses in their country, IPv4-mapped IPv6 as IPv4", () => {
    // Anycast resolvers and registries whose registration country does not move: what this
    // GeoLite2 build says (checked with `moat geoip lookup`), not a guess.
    const expected: Array<[string, string]> = [
      ["8.8.8.8", "US"],
      ["::ffff:8.8.8.8", "US"],
      ["2001:4860:4860::8888", "US"],
      ["193.0.0.1", "NL"], // RIPE NCC, Amsterdam
      ["2001:67c:2e8::1", "NL"],
      ["202.12.27.33", "JP"], // M-root, WIDE
      ["2001:200::1", "JP"],
      ["81.2.69.160", "GB"], // MaxMind's own test address
    ];
    for (const [ip, country] of expected) assert.equal(countryOf(geo, ip), country, ip);
    const place = geo.lookup("81.2.69.160");
    assert.ok(place.kind === "public" && typeof place.latitude === "number" && typeof place.longitude === "number" && place.timeZone === "Europe/London");
    assert.ok(geo.builtAt() instanceof Date);
  });

  it("gives no country to an address it cannot place", () => {
    assert.equal(countryOf(geo, "10.0.0.1"), null);
    assert.equal(countryOf(geo, "::1"), null);
  });

  it("finds the data through node's module resolution, and a lookup takes microseconds", () => {
    assert.match(geoLite2Folder(), /node_modules[/\\]@ip-location-db[/\\]geolite2-city-mmdb$/);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) geo.lookup(`${(i % 200) + 1}.${i % 250}.${(i * 7) % 250}.1`);
    const perLookupUs = Number(process.hrtime.bigint() - start) / 1000 / 10_000;
    assert.ok(perLookupUs < 200, `${perLookupUs.toFixed(1)} µs per lookup`);
  });
});
