import assert from "node:assert/strict";
import { once } from "node:events";
import type net from "node:net";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { startListener, type ConnectionHandler, type Listener, type ListenerOptions } from "../../../src/protocols/net/listener.js";
import { encodeProxyV1, encodeProxyV2 } from "../../../src/protocols/net/proxy-protocol.js";
import { readProxyHeader } from "../../../src/protocols/net/proxy-reader.js";
import { CidrSet } from "../../../src/shared/ip.js";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { connectTcp, connectTls, wire, type WireClient } from "../../support/wire.js";

const client4 = { address: "203.0.113.7", port: 51234 };
const client6 = { address: "2001:db8::1", port: 40000 };
const server4 = { address: "192.0.2.1", port: 143 };
const server6 = { address: "2001:db8::2", port: 993 };
const trustLoopback = CidrSet.parse(["127.0.0.1/32"]);

/** Writes the connection info as one JSON line, then echoes whatever the client sends. */
const echoInfo: ConnectionHandler = (socket, info) => {
  const { remoteAddress, remotePort, localPort, viaProxy, tls, secure } = info;
  socket.write(`${JSON.stringify({ remoteAddress, remotePort, localPort, viaProxy, tls, secure })}\n`);
  socket.on("data", (chunk) => socket.write(chunk));
};

const listeners: Listener[] = [];
async function listen(opts: Partial<ListenerOptions> = {}): Promise<Listener> {
  const listener = await startListener({ host: "127.0.0.1", port: 0, onConnection: echoInfo, closeGraceMs: 0, ...opts });
  listeners.push(listener);
  return listener;
}
after(() => Promise.all(listeners.map((l) => l.close(0))));

async function infoOf(client: WireClient): Promise<Record<string, unknown>> {
  const text = await client.until((t) => t.includes("\n"));
  return JSON.parse(text.slice(0, text.indexOf("\n"))) as Record<string, unknown>;
}

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

describe("startListener: direct connections", () => {
  it("binds a free port and reports a plain loopback client as secure", async () => {
    const l = await listen();
    assert.ok(l.port > 0);
    const client = wire(await connectTcp(l.port));
    const info = await infoOf(client);
    assert.equal(info.remoteAddress, "127.0.0.1");
    assert.equal(typeof info.remotePort, "number");
    assert.deepEqual([info.localPort, info.viaProxy, info.tls, info.secure], [l.port, null, false, true]);
    client.socket.destroy();
  });

  it("gives an IPv4 client of a dual-stack listener as IPv4, not ::ffff:…", async (t) => {
    const l = await listen({ host: "::" }).catch(() => null);
    if (l === null) return t.skip("no IPv6 on this machine");
    const client = wire(await connectTcp(l.port, "127.0.0.1"));
    assert.equal((await infoOf(client)).remoteAddress, "127.0.0.1");
    client.socket.destroy();
  });

  it("does implicit TLS before handing the socket over", async () => {
    const l = await listen({ tls: cert });
    const client = wire(await connectTls(l.port));
    const info = await infoOf(client);
    assert.deepEqual([info.remoteAddress, info.tls, info.secure], ["127.0.0.1", true, true]);
    await client.write("over tls");
    await client.until((t) => t.endsWith("over tls"));
    client.socket.destroy();
  });

  it("closes a client that fails the TLS handshake without calling the protocol", async () => {
    let calls = 0;
    const l = await listen({ tls: cert, onConnection: () => void calls++ });
    const client = wire(await connectTcp(l.port));
    await client.write("EHLO not-tls\r\n");
    await client.closed;
    assert.equal(calls, 0);
  });
});

describe("startListener: PROXY protocol", () => {
  it("believes a v1 header from a trusted proxy and keeps the bytes after it", async () => {
    const l = await listen({ trustedProxies: trustLoopback });
    const client = wire(await connectTcp(l.port));
    await client.write(Buffer.concat([encodeProxyV1(client4, server4), Buffer.from("a1 NOOP\r\n")]));
    const info = await infoOf(client);
    assert.deepEqual(info, { remoteAddress: "203.0.113.7", remotePort: 51234, localPort: l.port, viaProxy: "127.0.0.1", tls: false, secure: false });
    await client.until((t) => t.endsWith("\na1 NOOP\r\n"));
    client.socket.destroy();
  });

  it("believes a v2 header carrying an IPv6 client", async () => {
    const l = await listen({ trustedProxies: trustLoopback });
    const client = wire(await connectTcp(l.port));
    await client.write(encodeProxyV2(client6, server6));
    const info = await infoOf(client);
    assert.deepEqual([info.remoteAddress, info.remotePort, info.viaProxy, info.secure], ["2001:db8::1", 40000, "127.0.0.1", false]);
    client.socket.destroy();
  });

  it("reads the header before the TLS handshake on an implicit TLS port, as HAProxy sends it", async () => {
    const l = await listen({ trustedProxies: trustLoopback, tls: cert });
    const raw = await connectTcp(l.port);
    raw.write(encodeProxyV2(client4, server4));
    const client = wire(await connectTls(raw));
    const info = await infoOf(client);
    assert.deepEqual([info.remoteAddress, info.viaProxy, info.tls, info.secure], ["203.0.113.7", "127.0.0.1", true, true]);
    client.socket.destroy();
  });

  it("uses the proxy's own address for a v2 LOCAL health check", async () => {
    const l = await listen({ trustedProxies: trustLoopback });
    const client = wire(await connectTcp(l.port));
    await client.write(encodeProxyV2(null, null));
    const info = await infoOf(client);
    assert.deepEqual([info.remoteAddress, info.viaProxy], ["127.0.0.1", null]);
    client.socket.destroy();
  });

  it("does not believe the same header from an untrusted peer: it arrives as protocol data", async () => {
    const l = await listen({ trustedProxies: CidrSet.parse(["10.0.0.0/8"]) });
    const client = wire(await connectTcp(l.port));
    const info = await infoOf(client);
    assert.deepEqual([info.remoteAddress, info.viaProxy], ["127.0.0.1", null]);
    const header = encodeProxyV1(client4, server4).toString("latin1");
    await client.write(header);
    await client.until((t) => t.endsWith(`\n${header}`));
    client.socket.destroy();
  });

  it("accepts a header that arrives one byte at a time", async () => {
    const l = await listen({ trustedProxies: trustLoopback });
    const socket = await connectTcp(l.port);
    socket.setNoDelay(true);
    const client = wire(socket);
    for (const byte of encodeProxyV2(client6, server6)) await client.write(Buffer.from([byte]));
    const info = await infoOf(client);
    assert.equal(info.remoteAddress, "2001:db8::1");
    client.socket.destroy();
  });

  it("closes a trusted proxy that sends garbage, at once rather than after the timeout", async () => {
    let calls = 0;
    const l = await listen({ trustedProxies: trustLoopback, proxyHeaderTimeoutMs: 600_000, onConnection: () => void calls++ });
    const client = wire(await connectTcp(l.port));
    await client.write("EHLO attacker.example\r\n");
    await client.closed;
    assert.equal(calls, 0);
    assert.equal(client.text, "");
  });

  it("closes a trusted proxy that sends no header within the timeout", async () => {
    let calls = 0;
    const l = await listen({ trustedProxies: trustLoopback, proxyHeaderTimeoutMs: 50, onConnection: () => void calls++ });
    const client = wire(await connectTcp(l.port));
    await client.closed;
    assert.equal(calls, 0);
  });

  it("optional mode: a trusted peer's header is used when present and its data left alone when not", async () => {
    const l = await listen({ trustedProxies: trustLoopback, proxyProtocol: "optional", proxyHeaderTimeoutMs: 600_000 });
    const withHeader = wire(await connectTcp(l.port));
    await withHeader.write(Buffer.concat([encodeProxyV1(client4, server4), Buffer.from("GET / HTTP/1.1\r\n")]));
    assert.equal((await infoOf(withHeader)).remoteAddress, "203.0.113.7");
    await withHeader.until((t) => t.endsWith("\nGET / HTTP/1.1\r\n"));
    const without = wire(await connectTcp(l.port));
    await without.write("GET / HTTP/1.1\r\n");
    assert.deepEqual(await infoOf(without).then((i) => [i.remoteAddress, i.viaProxy]), ["127.0.0.1", null]);
    await without.until((t) => t.endsWith("\nGET / HTTP/1.1\r\n"));
    withHeader.socket.destroy();
    without.socket.destroy();
  });

  it("optional mode: a header that starts right but is broken still closes the connection", async () => {
    const l = await listen({ trustedProxies: trustLoopback, proxyProtocol: "optional", proxyHeaderTimeoutMs: 600_000 });
    const client = wire(await connectTcp(l.port));
    await client.write("PROXY TCP4 evil.example 192.0.2.1 1 2\r\n");
    await client.closed;
    assert.equal(client.text, "");
  });

  it("optional mode: a silent trusted peer is handed over after the timeout", async () => {
    const l = await listen({ trustedProxies: trustLoopback, proxyProtocol: "optional", proxyHeaderTimeoutMs: 30 });
    const client = wire(await connectTcp(l.port));
    assert.equal((await infoOf(client)).remoteAddress, "127.0.0.1");
    client.socket.destroy();
  });

  it("closes a trusted proxy whose v2 header is over the size limit", async () => {
    const l = await listen({ trustedProxies: trustLoopback, proxyHeaderMaxLength: 64, proxyHeaderTimeoutMs: 600_000 });
    const client = wire(await connectTcp(l.port));
    await client.write(encodeProxyV2(client4, server4, Buffer.alloc(100)));
    await client.closed;
    assert.equal(client.text, "");
  });
});

describe("readProxyHeader", () => {
  it("waits through 1-byte chunks and leaves the following bytes unread", async () => {
    const stream = new PassThrough();
    const header = encodeProxyV1(client4, server4);
    let done = false;
    const reading = readProxyHeader(stream as unknown as net.Socket, { timeoutMs: 600_000 }).then((r) => {
      done = true;
      return r;
    });
    for (const byte of header) {
      assert.equal(done, false);
      stream.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    stream.write("rest");
    const result = await reading;
    assert.equal(result.status === "done" && result.header.source?.address, "203.0.113.7");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(String(stream.read()), "rest");
  });
});

describe("startListener: limits and shutdown", () => {
  it("refuses connections over the per-IP limit, counting the client behind the proxy", async () => {
    const served: net.Socket[] = [];
    const l = await listen({
      trustedProxies: trustLoopback,
      maxConnectionsPerIp: 1,
      onConnection: (socket, info) => {
        served.push(socket);
        void echoInfo(socket, info);
      },
      onTooManyConnections: (socket) => socket.end("* BYE too many connections\r\n"),
    });
    const first = wire(await connectTcp(l.port));
    await first.write(encodeProxyV1(client4, server4));
    await infoOf(first);
    const second = wire(await connectTcp(l.port));
    await second.write(encodeProxyV1(client4, server4));
    await second.closed;
    assert.equal(second.text, "* BYE too many connections\r\n");
    // Another client behind the same proxy is not affected.
    const other = wire(await connectTcp(l.port));
    await other.write(encodeProxyV1({ address: "198.51.100.1", port: 1 }, server4));
    assert.equal((await infoOf(other)).remoteAddress, "198.51.100.1");
    // The slot is free again once the first connection has closed on the server side.
    first.socket.destroy();
    await once(served[0] as net.Socket, "close");
    const third = wire(await connectTcp(l.port));
    await third.write(encodeProxyV1(client4, server4));
    assert.equal((await infoOf(third)).remoteAddress, "203.0.113.7");
    other.socket.destroy();
    third.socket.destroy();
  });

  it("survives a connection handler that throws", async () => {
    const l = await listen({
      onConnection: () => {
        throw new Error("boom");
      },
    });
    const client = wire(await connectTcp(l.port));
    await client.closed;
    const again = wire(await connectTcp(l.port));
    await again.closed;
  });

  it("close() lets sessions end on the closing signal", async () => {
    const l = await listen({
      onConnection: (socket, info) => {
        socket.write("ready\n");
        info.closing.addEventListener("abort", () => socket.end("bye\n"));
      },
    });
    const client = wire(await connectTcp(l.port));
    await client.until((t) => t === "ready\n");
    await l.close(600_000); // resolves because the session ends, not because of the grace period
    await client.closed;
    assert.equal(client.text, "ready\nbye\n");
  });

  it("close() destroys connections still open after the grace period and refuses new ones", async () => {
    const l = await listen({ onConnection: (socket) => void socket.write("ready\n") });
    const clients = [wire(await connectTcp(l.port)), wire(await connectTcp(l.port))];
    await Promise.all(clients.map((c) => c.until((t) => t === "ready\n")));
    await l.close(20);
    await Promise.all(clients.map((c) => c.closed));
    await assert.rejects(connectTcp(l.port), { code: "ECONNREFUSED" });
  });
});
