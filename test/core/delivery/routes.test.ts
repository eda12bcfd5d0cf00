// Route choice: static route → smarthost → MX with A/AAAA fallback (RFC 5321 §5.1), null MX
// (RFC 7505), and which DNS failures are permanent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DnsResolver } from "../../../src/core/ports/dns.js";
import { parseHostPort, resolveRoute, routeTable } from "../../../src/core/delivery/routes.js";
import { isMoatError } from "../../../src/shared/errors.js";
import { domainName } from "../../store/helpers.js";

/** Answers from a table; "name TYPE" → records or an error code string. */
function dns(table: Record<string, unknown[] | string>): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (name: string, type: string) => {
    asked.push(`${name} ${type}`);
    const answer = table[`${name} ${type}`];
    if (typeof answer === "string") throw Object.assign(new Error(answer), { code: answer });
    if (answer === undefined) throw Object.assign(new Error("ENODATA"), { code: "ENODATA" });
    return answer;
  };
  return Object.assign(resolver, { asked });
}

const noRoutes = routeTable({ routes: [], smarthost: "" });
const first = () => 0;

describe("outbound routes", () => {
  it("parses host:port forms and refuses nonsense", () => {
    assert.deepEqual(parseHostPort("Relay.Example:2525", "x"), { host: "relay.example", port: 2525 });
    assert.deepEqual(parseHostPort("127.0.0.1", "x"), { host: "127.0.0.1", port: 25 });
    assert.deepEqual(parseHostPort("[::1]:26", "x"), { host: "::1", port: 26 });
    assert.deepEqual(parseHostPort("::1", "x"), { host: "::1", port: 25 });
    for (const bad of ["", "host:0", "host:70000", "a b:25", "host:x"]) {
      assert.throws(() => parseHostPort(bad, "relay.smarthost"), (e: unknown) => isMoatError(e, "config_invalid"), bad);
    }
    assert.throws(() => routeTable({ routes: ["=host:25"], smarthost: "" }), (e: unknown) => isMoatError(e, "config_invalid"));
  });

  it("prefers a static route, then the smarthost, without looking up MX", async () => {
    const table = routeTable({ routes: ["example.net=127.0.0.1:2526", "other.example=relay.local:2527"], smarthost: "smart.local:587" });
    const resolver = dns({ "relay.local A": ["10.0.0.9"], "smart.local A": ["10.0.0.8"], "smart.local AAAA": ["fd00::8"] });
    assert.deepEqual(await resolveRoute(domainName("example.net"), table, resolver, first), {
      kind: "hops",
      via: "route",
      hops: [{ address: "127.0.0.1", port: 2526, name: undefined }],
    });
    assert.deepEqual(await resolveRoute(domainName("other.example"), table, resolver, first), {
      kind: "hops",
      via: "route",
      hops: [{ address: "10.0.0.9", port: 2527, name: "relay.local" }],
    });
    const smart = await resolveRoute(domainName("anything.example"), table, resolver, first);
    assert.deepEqual(smart, {
      kind: "hops",
      via: "smarthost",
      hops: [
        { address: "10.0.0.8", port: 587, name: "smart.local" },
        { address: "fd00::8", port: 587, name: "smart.local" },
      ],
    });
    assert.ok(!resolver.asked.some((q) => q.endsWith(" MX")));
  });

  it("orders MX hosts by preference, A before AAAA, and skips hosts without addresses", async () => {
    const resolver = dns({
      "example.org MX": [
        { exchange: "mx2.example.org", priority: 20 },
        { exchange: "MX1.example.org.", priority: 10 },
        { exchange: "dead.example.org", priority: 15 },
      ],
      "mx1.example.org A": ["192.0.2.1"],
      "mx1.example.org AAAA": ["2001:db8::1"],
      "dead.example.org A": "ENOTFOUND",
      "dead.example.org AAAA": "ENOTFOUND",
      "mx2.example.org A": ["192.0.2.2"],
    });
    const route = await resolveRoute(domainName("example.org"), noRoutes, resolver, first);
    assert.deepEqual(route, {
      kind: "hops",
      via: "mx",
      hops: [
        { address: "192.0.2.1", port: 25, name: "mx1.example.org" },
        { address: "2001:db8::1", port: 25, name: "mx1.example.org" },
        { address: "192.0.2.2", port: 25, name: "mx2.example.org" },
      ],
    });
  });

  it("falls back to the domain's own A/AAAA when it has no MX (implicit MX)", async () => {
    const resolver = dns({ "example.org MX": "ENODATA", "example.org AAAA": ["2001:db8::5"] });
    assert.deepEqual(await resolveRoute(domainName("example.org"), noRoutes, resolver, first), {
      kind: "hops",
      via: "mx",
      hops: [{ address: "2001:db8::5", port: 25, name: "example.org" }],
    });
  });

  it("fails permanently for a null MX, a missing domain, or no MX and no address", async () => {
    const nullMx = await resolveRoute(domainName("example.org"), noRoutes, dns({ "example.org MX": [{ exchange: "", priority: 0 }] }), first);
    assert.deepEqual(nullMx, { kind: "fail", permanent: true, code: 556, status: "5.1.10", reason: "example.org does not accept mail (null MX)" });
    const missing = await resolveRoute(domainName("nx.example"), noRoutes, dns({ "nx.example MX": "ENOTFOUND" }), first);
    assert.equal(missing.kind === "fail" && missing.permanent, true);
    const bare = await resolveRoute(domainName("bare.example"), noRoutes, dns({}), first);
    assert.deepEqual(bare, { kind: "fail", permanent: true, code: 550, status: "5.1.2", reason: "the domain bare.example has no MX or address records" });
  });

  it("fails temporarily when DNS itself fails or listed MX hosts have no address yet", async () => {
    const timeout = await resolveRoute(domainName("example.org"), noRoutes, dns({ "example.org MX": "ETIMEOUT" }), first);
    assert.deepEqual(timeout, { kind: "fail", permanent: false, code: 451, status: "4.4.3", reason: "MX lookup for example.org failed (ETIMEOUT)" });
    const hostless = await resolveRoute(domainName("example.org"), noRoutes, dns({ "example.org MX": [{ exchange: "mx.example.org", priority: 1 }] }), first);
    assert.equal(hostless.kind === "fail" && !hostless.permanent, true);
    const flaky = await resolveRoute(domainName("example.org"), noRoutes, dns({ "example.org MX": "ENODATA", "example.org A": "ESERVFAIL" }), first);
    assert.equal(flaky.kind === "fail" && !flaky.permanent, true, "implicit MX with a failing A lookup is not final");
  });

  it("shuffles MX hosts of equal preference with the injected randomness", async () => {
    const resolver = dns({
      "example.org MX": [
        { exchange: "a.example.org", priority: 10 },
        { exchange: "b.example.org", priority: 10 },
      ],
      "a.example.org A": ["192.0.2.1"],
      "b.example.org A": ["192.0.2.2"],
    });
    const draws = [0.9, 0.1];
    const route = await resolveRoute(domainName("example.org"), noRoutes, resolver, () => draws.shift() ?? 0);
    assert.deepEqual(route.kind === "hops" && route.hops.map((h) => h.name), ["b.example.org", "a.example.org"]);
  });
});
