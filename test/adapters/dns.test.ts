// The DNS adapter: zone-file answers in node's shapes and error codes, and the fall-through to
// real resolvers (a tiny DNS server on a loopback UDP port stands in for them).
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { createDnsResolver } from "../../src/adapters/dns/resolver.js";
import { isMoatError } from "../../src/shared/errors.js";
import { tempDir } from "../support/temp.js";

function zoneFile(t: TestContext, zone: unknown): string {
  const file = path.join(tempDir(t), "zone.json");
  fs.writeFileSync(file, JSON.stringify(zone));
  return file;
}

const code = (c: string) => (err: unknown) => (err as { code?: unknown }).code === c;

/**
 * Answers A queries for real.test with 192.0.2.7 and everything else with NXDOMAIN
 * (RFC 1035 §4.1 wire format, just enough of it). Returns "127.0.0.1:port".
 */
async function fakeDnsServer(t: TestContext): Promise<{ server: string; queries: string[] }> {
  const socket = dgram.createSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (msg, rinfo) => {
    const labels: string[] = [];
    let at = 12;
    while (msg[at] !== 0) {
      const len = msg[at]!;
      labels.push(msg.subarray(at + 1, at + 1 + len).toString("ascii"));
      at += len + 1;
    }
    const questionEnd = at + 5;
    const qtype = msg.readUInt16BE(at + 1);
    const name = labels.join(".");
    queries.push(`${name} ${qtype}`);
    const found = name === "real.test" && qtype === 1;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(found ? 0x8180 : 0x8183, 2); // response, RD, RA; rcode 0 or 3 (NXDOMAIN)
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(found ? 1 : 0, 6);
    const question = msg.subarray(12, questionEnd);
    const answer = found ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]) : Buffer.alloc(0);
    socket.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  t.after(() => socket.close());
  return { server: `127.0.0.1:${socket.address().port}`, queries };
}

describe("DNS resolver adapter", () => {
  it("answers from the zone file in node's shapes, names case-insensitive and dot-tolerant", async (t) => {
    const dns = createDnsResolver({
      servers: [],
      timeoutMs: 1000,
      zoneFile: zoneFile(t, {
        "example.org MX": [{ exchange: "mx.example.org", priority: 10 }],
        "example.org TXT": [["v=spf1 -all"], "plain string"],
        "Mx.Example.org. A": ["127.0.0.1"],
        "mx.example.org AAAA": ["::1"],
        "*": "nxdomain",
      }),
    });
    assert.deepEqual(await dns("example.org", "MX"), [{ exchange: "mx.example.org", priority: 10 }]);
    assert.deepEqual(await dns("EXAMPLE.org.", "TXT"), [["v=spf1 -all"], ["plain string"]]);
    assert.deepEqual(await dns("mx.example.org", "A"), ["127.0.0.1"]);
    assert.deepEqual(await dns("mx.example.org", "AAAA"), ["::1"]);
  });

  it("gives ENODATA for a zone name without that type and ENOTFOUND for others under nxdomain", async (t) => {
    const dns = createDnsResolver({ servers: [], timeoutMs: 1000, zoneFile: zoneFile(t, { "example.org MX": [], "a.example.org A": ["127.0.0.1"], "*": "nxdomain" }) });
    await assert.rejects(dns("a.example.org", "MX"), code("ENODATA"));
    await assert.rejects(dns("example.org", "MX"), code("ENODATA"), "an empty answer list is no data");
    await assert.rejects(dns("elsewhere.example", "A"), (err: unknown) => code("ENOTFOUND")(err) && /queryA ENOTFOUND/.test(String(err)));
  });

  it("asks the configured servers for names outside the zone, with node's error codes", async (t) => {
    const fake = await fakeDnsServer(t);
    const dns = createDnsResolver({ servers: [fake.server], timeoutMs: 2000, zoneFile: zoneFile(t, { "fixed.test A": ["127.0.0.2"] }) });
    assert.deepEqual(await dns("fixed.test", "A"), ["127.0.0.2"]);
    assert.deepEqual(await dns("real.test", "A"), ["192.0.2.7"]);
    await assert.rejects(dns("missing.test", "MX"), code("ENOTFOUND"));
    assert.deepEqual(fake.queries, ["real.test 1", "missing.test 15"], "the zone's own names never reach the server");
  });

  it("fails a query with ETIMEOUT after the timeout when the server does not answer", async (t) => {
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    t.after(() => silent.close());
    const dns = createDnsResolver({ servers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(dns("real.test", "A"), code("ETIMEOUT"));
    assert.ok(Date.now() - started < 2000);
  });

  it("refuses a bad zone file or server list with config_invalid", (t) => {
    const invalid = (err: unknown) => isMoatError(err, "config_invalid");
    assert.throws(() => createDnsResolver({ servers: [], timeoutMs: 100, zoneFile: zoneFile(t, { "example.org SOA": [] }) }), invalid);
    assert.throws(() => createDnsResolver({ servers: [], timeoutMs: 100, zoneFile: zoneFile(t, { "example.org MX": ["mx"] }) }), invalid);
    assert.throws(() => createDnsResolver({ servers: [], timeoutMs: 100, zoneFile: zoneFile(t, { "*": "everything" }) }), invalid);
    assert.throws(() => createDnsResolver({ servers: [], timeoutMs: 100, zoneFile: path.join(tempDir(t), "missing.json") }), invalid);
    assert.throws(() => createDnsResolver({ servers: ["not an ip"], timeoutMs: 100 }), invalid);
  });
});
