import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { encodeProxyV1, encodeProxyV2 } from "../../src/protocols/net/proxy-protocol.js";
import { MoatError } from "../../src/shared/errors.js";
import { CidrSet } from "../../src/shared/ip.js";
import { buildHttpServer, startHttpServer, type HttpServerOptions, type RunningHttpServer } from "../../src/web/server.js";
import { selfSignedCert, type CertPair } from "../support/self-signed.js";
import { connectTcp, connectTls, wire } from "../support/wire.js";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A real request on a fresh connection (no agent pooling, so each test sees its own socket). */
function request(port: number, path: string, opts: { headers?: http.OutgoingHttpHeaders; method?: string; body?: string; tls?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers ?? {}, agent: false as const };
    const req = opts.tls ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === "" ? null : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** HTTP/1.1 written by hand (after a PROXY header, in the same packet when `prefix` is given). */
async function rawRequest(socket: net.Socket, path: string, extra = "", prefix: Buffer = Buffer.alloc(0)): Promise<Reply> {
  const client = wire(socket);
  await client.write(Buffer.concat([prefix, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: moat.test\r\nConnection: close\r\n${extra}\r\n`)]));
  await client.closed;
  const [head = "", body = ""] = client.text.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), headers: {}, body: JSON.parse(body) };
}

const servers: RunningHttpServer[] = [];
async function serve(opts: Partial<HttpServerOptions> = {}): Promise<RunningHttpServer> {
  const server = await startHttpServer({ host: "127.0.0.1", port: 0, trustedProxies: CidrSet.empty(), closeGraceMs: 0, ...opts });
  servers.push(server);
  return server;
}
after(() => Promise.all(servers.map((s) => s.close())));

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

const trusted = (...cidrs: string[]) => CidrSet.parse(cidrs);

describe("web server: basics", () => {
  it("answers /healthz", async () => {
    const s = await serve();
    const reply = await request(s.port, "/healthz");
    assert.deepEqual([reply.status, reply.body], [200, { ok: true }]);
  });

  it("reports a direct loopback client as itself and secure", async () => {
    const s = await serve();
    assert.deepEqual((await request(s.port, "/api/v1/connection")).body, { ip: "127.0.0.1", secure: true });
  });

  it("serves HTTPS through the same listener", async () => {
    const s = await serve({ tls: cert });
    const reply = await request(s.port, "/api/v1/connection", { tls: true });
    assert.deepEqual(reply.body, { ip: "127.0.0.1", secure: true });
  });
});

describe("web server: X-Forwarded-For", () => {
  it("ignores a spoofed X-Forwarded-For from an untrusted peer", async () => {
    const s = await serve({ trustedProxies: trusted("10.0.0.0/8") });
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" } });
    assert.deepEqual(reply.body, { ip: "127.0.0.1", secure: true });
  });

  it("believes X-Forwarded-For from a trusted proxy; the client is not secure without https", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1") });
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "203.0.113.9" } });
    assert.deepEqual(reply.body, { ip: "203.0.113.9", secure: false });
  });

  it("walks several hops from the right and stops at the first untrusted one", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1", "10.0.0.0/8") });
    // 198.51.100.1 was written by the client itself: only 203.0.113.9 is vouched for.
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.2" } });
    assert.deepEqual(reply.body, { ip: "203.0.113.9", secure: false });
  });

  it("reads repeated X-Forwarded-For lines as one list", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1", "10.0.0.0/8") });
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": ["198.51.100.1", "2001:db8::7, 10.0.0.2"] } });
    assert.deepEqual(reply.body, { ip: "2001:db8::7", secure: false });
  });

  it("stops at an entry that is not an address, keeping the last hop it can vouch for", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1", "10.0.0.0/8") });
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "203.0.113.9, unknown, 10.0.0.2" } });
    assert.deepEqual(reply.body, { ip: "10.0.0.2", secure: false });
  });

  it("takes the leftmost hop when every hop is a trusted proxy", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1", "10.0.0.0/8") });
    const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "10.0.0.3, 10.0.0.2" } });
    assert.deepEqual(reply.body, { ip: "10.0.0.3", secure: false });
  });

  it("accepts entries with ports and normalises IPv4-mapped addresses", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1") });
    for (const [header, ip] of [
      ["203.0.113.9:4711", "203.0.113.9"],
      ["[2001:db8::5]:4711", "2001:db8::5"],
      ["::ffff:203.0.113.9", "203.0.113.9"],
    ]) {
      const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": header as string } });
      assert.deepEqual(reply.body, { ip, secure: false }, header);
    }
  });

  it("counts the client as secure only when every X-Forwarded-Proto is https", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1") });
    const check = async (proto: string, secure: boolean) => {
      const reply = await request(s.port, "/api/v1/connection", { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": proto } });
      assert.deepEqual(reply.body, { ip: "203.0.113.9", secure }, proto);
    };
    await check("https", true);
    await check("HTTPS, https", true);
    await check("http", false);
    await check("https, http", false); // the client forged the left value
  });
});

describe("web server: PROXY protocol on the HTTP port", () => {
  it("takes the client address from a v1 header sent by a trusted proxy", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1") });
    const header = encodeProxyV1({ address: "203.0.113.7", port: 5000 }, { address: "192.0.2.1", port: 80 });
    const forged = "X-Forwarded-For: 198.51.100.66\r\nX-Forwarded-Proto: https\r\n";
    const reply = await rawRequest(await connectTcp(s.port), "/api/v1/connection", forged, header);
    // 203.0.113.7 is not a trusted proxy, so its own X-Forwarded-* headers are forgeries.
    assert.deepEqual(reply, { status: 200, headers: {}, body: { ip: "203.0.113.7", secure: false } });
  });

  it("walks X-Forwarded-For when the PROXY header names a trusted HTTP proxy", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1", "10.0.0.0/8") });
    const socket = await connectTcp(s.port);
    socket.write(encodeProxyV1({ address: "10.0.0.5", port: 5000 }, { address: "192.0.2.1", port: 80 }));
    const reply = await rawRequest(socket, "/api/v1/connection", "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\n");
    assert.deepEqual(reply.body, { ip: "198.51.100.7", secure: true });
  });

  it("reads a v2 header before the TLS handshake on HTTPS", async () => {
    const s = await serve({ trustedProxies: trusted("127.0.0.1"), tls: cert });
    const raw = await connectTcp(s.port);
    raw.write(encodeProxyV2({ address: "2001:db8::1", port: 5000 }, { address: "2001:db8::2", port: 443 }));
    const reply = await rawRequest(await connectTls(raw), "/api/v1/connection");
    assert.deepEqual(reply.body, { ip: "2001:db8::1", secure: true });
  });

  it("treats the header as a bad request when the peer is not trusted", async () => {
    const s = await serve({ trustedProxies: trusted("10.0.0.0/8") });
    const socket = await connectTcp(s.port);
    const client = wire(socket);
    await client.write(encodeProxyV1({ address: "203.0.113.7", port: 5000 }, { address: "192.0.2.1", port: 80 }));
    await client.write("GET /api/v1/connection HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closed;
    assert.match(client.text, /^HTTP\/1\.1 400 /);
  });
});

describe("web server: typed errors", () => {
  const routes = (app: FastifyInstance) => {
    app.get("/boom", async () => {
      throw new Error("connect ECONNREFUSED db.internal:5432 password=hunter2");
    });
    app.get("/domain", async () => {
      throw new MoatError("domain_not_found");
    });
    app.post("/echo", { schema: { body: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } }, async (req) => req.body);
  };

  it("answers an unknown path with 404 not_found", async () => {
    const s = await serve();
    const reply = await request(s.port, "/nope");
    assert.equal(reply.status, 404);
    assert.match(String(reply.headers["content-type"]), /^application\/json/);
    assert.deepEqual(reply.body, { error: { code: "not_found", message: "no such resource" } });
  });

  it("answers invalid input with 400 invalid_input", async () => {
    const s = await serve({ routes });
    const json = { "content-type": "application/json" };
    const missing = await request(s.port, "/echo", { method: "POST", headers: json, body: "{}" });
    assert.equal(missing.status, 400);
    assert.equal((missing.body as { error: { code: string } }).error.code, "invalid_input");
    const broken = await request(s.port, "/echo", { method: "POST", headers: json, body: "{nope" });
    assert.equal(broken.status, 400);
    assert.equal((broken.body as { error: { code: string } }).error.code, "invalid_input");
  });

  it("maps a domain error to its status and stable code", async () => {
    const s = await serve({ routes });
    assert.deepEqual(await request(s.port, "/domain").then((r) => [r.status, r.body]), [404, { error: { code: "domain_not_found", message: "no such domain" } }]);
  });

  it("hides internal error text behind 500 internal", async () => {
    const s = await serve({ routes });
    const reply = await request(s.port, "/boom");
    assert.deepEqual([reply.status, reply.body], [500, { error: { code: "internal", message: "internal error" } }]);
  });
});

describe("web server: app and shutdown", () => {
  it("works without a listener through inject(), using the socket's address", async () => {
    const app = buildHttpServer({ trustedProxies: CidrSet.empty() });
    const reply = await app.inject({ method: "GET", url: "/api/v1/connection", headers: { "x-forwarded-for": "203.0.113.9" } });
    assert.deepEqual(reply.json(), { ip: "127.0.0.1", secure: true });
    await app.close();
  });

  it("close() ends keep-alive connections and stops accepting", async () => {
    const s = await startHttpServer({ host: "127.0.0.1", port: 0, trustedProxies: CidrSet.empty(), closeGraceMs: 600_000 });
    const client = wire(await connectTcp(s.port));
    await client.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.until((t) => t.endsWith('{"ok":true}'));
    await s.close(); // resolves well before the grace period: the idle connection is closed
    await client.closed;
    await assert.rejects(connectTcp(s.port), { code: "ECONNREFUSED" });
  });
});
