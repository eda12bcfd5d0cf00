import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodeProxyV1,
  encodeProxyV2,
  parseProxyHeader,
  type ProxyEndpoint,
  type ProxyErrorCode,
} from "../../../src/protocols/net/proxy-protocol.js";

const sig = "0d0a0d0a000d0a515549540a";
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const text = (s: string) => Buffer.from(s, "latin1");
const ep = (address: string, port: number): ProxyEndpoint => ({ address, port });

type Good = [name: string, wire: Buffer, source: ProxyEndpoint | null, destination: ProxyEndpoint | null, length: number];

const v1Good: Good[] = [
  ["TCP4", text("PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\n"), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 43],
  ["TCP4 followed by protocol data", text("PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\nEHLO x\r\n"), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 43],
  ["TCP6", text("PROXY TCP6 2001:db8::1 2001:db8::2 4000 993\r\n"), ep("2001:db8::1", 4000), ep("2001:db8::2", 993), 45],
  ["TCP6 long form is normalised", text("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 2\r\n"), ep("2001:db8::1", 1), ep("::1", 2), 41],
  ["TCP6 IPv4-mapped reads as IPv4", text("PROXY TCP6 ::ffff:203.0.113.7 ::ffff:192.0.2.1 0 65535\r\n"), ep("203.0.113.7", 0), ep("192.0.2.1", 65535), 56],
  ["UNKNOWN", text("PROXY UNKNOWN\r\n"), null, null, 15],
  ["UNKNOWN with ignored fields", text("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), null, null, 35],
  ["exactly 107 bytes", text(`PROXY UNKNOWN ${"x".repeat(91)}\r\n`), null, null, 107],
];

const v2Good: Good[] = [
  ["TCP4", hex(`${sig} 21 11 000c cb007107 c0000201 c822 0019`), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 28],
  [
    "TCP6",
    hex(`${sig} 21 21 0024 20010db8000000000000000000000001 20010db8000000000000000000000002 0fa0 03e1`),
    ep("2001:db8::1", 4000),
    ep("2001:db8::2", 993),
    52,
  ],
  [
    "TCP6 IPv4-mapped reads as IPv4",
    hex(`${sig} 21 21 0024 00000000000000000000ffffcb007107 00000000000000000000ffffc0000201 0001 0002`),
    ep("203.0.113.7", 1),
    ep("192.0.2.1", 2),
    52,
  ],
  ["TCP4 with TLVs skipped", hex(`${sig} 21 11 0012 cb007107 c0000201 c822 0019 04 0003 000000`), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 34],
  ["TCP4 followed by protocol data", Buffer.concat([hex(`${sig} 21 11 000c cb007107 c0000201 c822 0019`), text("a001 LOGIN")]), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 28],
  ["transport UNSPEC with INET is accepted", hex(`${sig} 21 10 000c cb007107 c0000201 c822 0019`), ep("203.0.113.7", 51234), ep("192.0.2.1", 25), 28],
  ["LOCAL (health check)", hex(`${sig} 20 00 0000`), null, null, 16],
  ["LOCAL ignores family and body", hex(`${sig} 20 ff 0004 deadbeef`), null, null, 20],
  ["PROXY with UNSPEC family", hex(`${sig} 21 00 0000`), null, null, 16],
  ["PROXY with AF_UNIX", Buffer.concat([hex(`${sig} 21 31 00d8`), Buffer.alloc(216)]), null, null, 232],
];

describe("parseProxyHeader: valid headers", () => {
  for (const [name, wire, source, destination, length] of [...v1Good, ...v2Good]) {
    const version = wire[0] === 0x0d ? 2 : 1;
    it(`v${version} ${name}`, () => {
      assert.deepEqual(parseProxyHeader(wire), { status: "done", header: { version, source, destination, length } });
    });
    it(`v${version} ${name}: every shorter prefix is incomplete, never an error`, () => {
      const header = wire.subarray(0, length);
      for (let n = 0; n < header.length; n++) {
        assert.deepEqual(parseProxyHeader(header.subarray(0, n)), { status: "incomplete" }, `prefix of ${n} bytes`);
      }
    });
  }
});

type Bad = [name: string, wire: Buffer, code: ProxyErrorCode | "incomplete"];

const bad: Bad[] = [
  ["HTTP request", text("GET / HTTP/1.1\r\n"), "not_proxy"],
  ["SMTP command", text("EHLO client.example\r\n"), "not_proxy"],
  ["TLS ClientHello", hex("16030100a5010000a10303"), "not_proxy"],
  ["near-miss v1 prefix", text("PROXZ TCP4"), "not_proxy"],
  ["lower-case v1", text("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), "not_proxy"],
  ["CR LF then garbage (not the v2 signature)", text("\r\nGARBAGE"), "not_proxy"],
  ["near-miss v2 signature", hex("0d0a0d0a000d0a515549580a 21 11 000c"), "not_proxy"],
  ["v1 bare LF", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), "malformed"],
  ["v1 CR without LF", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), "malformed"],
  ["v1 NUL byte", text("PROXY TCP4 1.2.3.4\0"), "malformed"],
  ["v1 non-ASCII byte", text("PROXY TCP4 1.2.3.4 \xff"), "malformed"],
  ["v1 unknown protocol", text("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), "unsupported"],
  ["v1 UDP4", text("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), "unsupported"],
  ["v1 IPv6 under TCP4", text("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n"), "malformed"],
  ["v1 IPv4 under TCP6", text("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), "malformed"],
  ["v1 octet over 255", text("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), "malformed"],
  ["v1 shorthand IPv4", text("PROXY TCP4 127.1 5.6.7.8 1 2\r\n"), "malformed"],
  ["v1 hostname", text("PROXY TCP4 evil.example 5.6.7.8 1 2\r\n"), "malformed"],
  ["v1 port over 65535", text("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), "malformed"],
  ["v1 negative port", text("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), "malformed"],
  ["v1 missing port", text("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), "malformed"],
  ["v1 extra field", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), "malformed"],
  ["v1 double space", text("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), "malformed"],
  ["v1 108 bytes", text(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`), "too_long"],
  ["v1 107 bytes and no CRLF", text(`PROXY TCP4 ${"1".repeat(96)}`), "too_long"],
  ["v1 106 bytes then CR at the limit", text(`PROXY UNKNOWN ${"x".repeat(92)}\r`), "too_long"],
  ["v2 version 1", hex(`${sig} 11 11 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 version 3", hex(`${sig} 31 11 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 command 2", hex(`${sig} 22 11 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 family 4", hex(`${sig} 21 41 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 transport 3", hex(`${sig} 21 13 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 UDP over a stream listener", hex(`${sig} 21 12 000c cb007107 c0000201 c822 0019`), "unsupported"],
  ["v2 INET with a short address block", hex(`${sig} 21 11 0008 cb007107 c0000201`), "malformed"],
  ["v2 INET6 with an INET-sized block", hex(`${sig} 21 21 000c cb007107 c0000201 c822 0019`), "malformed"],
  ["v2 declared length over the limit", hex(`${sig} 21 11 ffff`), "too_long"],
  ["v2 truncated before the length", hex(`${sig} 21 11 00`), "incomplete"],
  ["v2 truncated address block", hex(`${sig} 21 11 000c cb007107 c000`), "incomplete"],
  ["v1 truncated", text("PROXY TCP4 203.0.113.7 192.0.2.1 51234 2"), "incomplete"],
];

describe("parseProxyHeader: bad and truncated input", () => {
  for (const [name, wire, code] of bad) {
    it(`${name} → ${code}`, () => {
      const result = parseProxyHeader(wire);
      if (code === "incomplete") assert.deepEqual(result, { status: "incomplete" });
      else assert.equal(result.status === "error" && result.code, code, JSON.stringify(result));
    });
  }

  it("empty input is incomplete", () => {
    assert.deepEqual(parseProxyHeader(Buffer.alloc(0)), { status: "incomplete" });
  });

  it("the v2 size limit can be lowered", () => {
    const withTlv = hex(`${sig} 21 11 0012 cb007107 c0000201 c822 0019 04 0003 000000`);
    assert.equal(parseProxyHeader(withTlv, { maxLength: 33 }).status, "error");
    assert.equal(parseProxyHeader(withTlv, { maxLength: 34 }).status, "done");
  });

  it("rejects v2 over the limit from the 16 fixed bytes alone, before buffering the body", () => {
    const result = parseProxyHeader(hex(`${sig} 21 11 1001`));
    assert.equal(result.status === "error" && result.code, "too_long");
  });
});

describe("encodeProxyV1 / encodeProxyV2", () => {
  it("produce the wire bytes of the spec examples", () => {
    assert.deepEqual(encodeProxyV1(ep("203.0.113.7", 51234), ep("192.0.2.1", 25)), v1Good[0]?.[1]);
    assert.deepEqual(encodeProxyV1(null, null), text("PROXY UNKNOWN\r\n"));
    assert.deepEqual(encodeProxyV2(ep("203.0.113.7", 51234), ep("192.0.2.1", 25)), v2Good[0]?.[1]);
    assert.deepEqual(encodeProxyV2(ep("2001:db8::1", 4000), ep("2001:db8::2", 993)), v2Good[1]?.[1]);
    assert.deepEqual(encodeProxyV2(null, null), hex(`${sig} 20 00 0000`));
  });

  it("round-trip through the parser", () => {
    for (const [source, destination] of [
      [ep("198.51.100.9", 40000), ep("10.0.0.1", 143)],
      [ep("2001:db8:1::42", 1), ep("2001:db8::2", 65535)],
    ] as const) {
      for (const wire of [encodeProxyV1(source, destination), encodeProxyV2(source, destination, hex("04 0001 00"))]) {
        const result = parseProxyHeader(wire);
        assert.equal(result.status, "done");
        if (result.status === "done") {
          assert.deepEqual([result.header.source, result.header.destination, result.header.length], [source, destination, wire.length]);
        }
      }
    }
  });

  it("refuses v2 endpoints of different families", () => {
    assert.throws(() => encodeProxyV2(ep("1.2.3.4", 1), ep("::1", 2)));
  });
});
