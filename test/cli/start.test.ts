// `moat start` as a real process: a fresh data folder is initialised, every listener binds a
// free port, ports.json names them, each answers in its own protocol, HTTP honours PROXY and
// X-Forwarded-For from trusted proxies only, and SIGTERM stops it cleanly.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeProxyV1 } from "../../src/protocols/net/proxy-protocol.js";
import { cleanEnv, moatBin, runMoat } from "../support/cli.js";
import { tempDir } from "../support/temp.js";
import { connectTcp, connectTls, wire } from "../support/wire.js";

const listeners = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "managesieve", "http"] as const;
const zeroPorts = Object.fromEntries(listeners.map((l) => [`MOAT_${l.toUpperCase()}_PORT`, "0"]));

interface Started {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startMoat(data: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [moatBin, "--data", data, "start"], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, exited };
}

function waitForLog(started: Started, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = started.stdout().split("\n").find((l) => pattern.test(l));
      if (line) {
        started.child.stdout!.off("data", check);
        resolve(line);
      }
    };
    started.child.stdout!.on("data", check);
    void started.exited.then((code) => reject(new Error(`moat exited (${code}) before logging ${pattern}: ${started.stdout()}`)));
    check();
  });
}

async function httpGet(port: number, urlPath: string, opts: { headers?: Record<string, string>; proxyHeader?: Buffer } = {}): Promise<{ status: number; body: unknown }> {
  const socket = await connectTcp(port);
  const client = wire(socket);
  if (opts.proxyHeader) await client.write(opts.proxyHeader);
  const headers = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  await client.write(`GET ${urlPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n`);
  await client.closed;
  const [head, body] = client.text.split("\r\n\r\n", 2);
  return { status: Number(head?.split(" ")[1]), body: JSON.parse(body ?? "null") };
}

describe("moat start", () => {
  let data = "";
  let moat: Started;
  let ports: Record<string, number> = {};

  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    moat = startMoat(data, { ...zeroPorts, MOAT_LISTEN_HOST: "127.0.0.1", MOAT_TRUSTED_PROXIES: "127.0.0.1", MOAT_HTTP_TLS: "off" });
    const line = await waitForLog(moat, /moat started/);
    ports = (JSON.parse(line) as { ports: Record<string, number> }).ports;
  });

  after(async () => {
    if (moat.child.exitCode === null) moat.child.kill("SIGKILL");
    await moat.exited;
  });

  it("initialises a fresh data folder first and prints the admin's password", () => {
    assert.match(moat.stdout(), /first admin: admin@\S+\npassword: [A-Za-z0-9]{20}\n/);
  });

  it("binds every listener on a free port and writes them to ports.json", () => {
    const file = JSON.parse(fs.readFileSync(path.join(data, "ports.json"), "utf8")) as Record<string, number>;
    assert.deepEqual(file, ports);
    assert.deepEqual(Object.keys(file).sort(), [...listeners].sort());
    for (const port of Object.values(file)) assert.ok(port > 0 && port < 65536);
    assert.equal(new Set(Object.values(file)).size, listeners.length);
  });

  it("answers on each mail listener in that protocol's words, behind a PROXY header, with implicit TLS where it applies", async () => {
    const expected: Record<string, RegExp> = {
      smtp: /^220 \S+ ESMTP/,
      submission: /^220 \S+ ESMTP/,
      submissions: /^220 \S+ ESMTP/,
      imap: /^\* OK \[CAPABILITY [^\]]*\] [\s\S]*\* BYE [\s\S]*a1 OK /,
      imaps: /^\* OK \[CAPABILITY [^\]]*\] [\s\S]*\* BYE [\s\S]*a1 OK /,
      pop3: /^\+OK \S+ Moat POP3 ready\r\n\+OK /,
      pop3s: /^\+OK \S+ Moat POP3 ready\r\n\+OK /,
      managesieve: /^"IMPLEMENTATION" "Moat"\r\n[\s\S]*OK "Moat ManageSieve ready"\r\nOK "Logout completed"\r\n$/,
    };
    const implicitTls = new Set(["submissions", "imaps", "pop3s"]);
    for (const [name, pattern] of Object.entries(expected)) {
      const port = ports[name]!;
      // 127.0.0.1 is a trusted proxy here, so the header comes first, before any TLS.
      const raw = await connectTcp(port);
      raw.write(encodeProxyV1({ address: "203.0.113.7", port: 40000 }, { address: "127.0.0.1", port }));
      const client = wire(implicitTls.has(name) ? await connectTls(raw) : raw);
      // SMTP and POP3 greet and wait for a command; QUIT ends them.
      if (name.startsWith("s") || name.startsWith("pop3")) {
        await client.until((text) => text.includes("\r\n"));
        await client.write("QUIT\r\n");
      }
      // IMAP greets with * OK and waits; LOGOUT ends it.
      if (name.startsWith("imap")) {
        await client.until((text) => text.includes("\r\n"));
        await client.write("a1 LOGOUT\r\n");
      }
      // ManageSieve greets with its capabilities ending in OK; LOGOUT ends it.
      if (name === "managesieve") {
        await client.until((text) => /^OK /m.test(text));
        await client.write("LOGOUT\r\n");
      }
      await client.closed;
      assert.match(client.text, pattern, name);
      assert.ok(client.text.endsWith("\r\n"), `${name} ends its line with CRLF`);
    }
  });

  it("closes a trusted proxy's connection that brings no PROXY header", async () => {
    const client = wire(await connectTcp(ports.imap!));
    await client.write("a1 CAPABILITY\r\n");
    await client.closed;
    assert.equal(client.text, "", "nothing is answered to an unproven client address");
  });

  it("serves /healthz", async () => {
    assert.deepEqual(await httpGet(ports.http!, "/healthz"), { status: 200, body: { ok: true } });
  });

  it("uses the address a trusted proxy carries in a PROXY header or X-Forwarded-For", async () => {
    const viaProxy = await httpGet(ports.http!, "/api/v1/connection", {
      proxyHeader: encodeProxyV1({ address: "203.0.113.7", port: 40000 }, { address: "127.0.0.1", port: ports.http! }),
    });
    assert.equal((viaProxy.body as { ip: string }).ip, "203.0.113.7");
    const viaXff = await httpGet(ports.http!, "/api/v1/connection", { headers: { "X-Forwarded-For": "198.51.100.9" } });
    assert.equal((viaXff.body as { ip: string }).ip, "198.51.100.9");
  });

  it("stops cleanly on SIGTERM", async (t) => {
    // A second server of its own, so the other tests keep theirs.
    const other = startMoat(path.join(tempDir(t), "d"), { ...zeroPorts, MOAT_LISTEN_HOST: "127.0.0.1", MOAT_HTTP_TLS: "off" });
    await waitForLog(other, /moat started/);
    other.child.kill("SIGTERM");
    assert.equal(await other.exited, 0);
    assert.match(other.stdout(), /moat stopped/);
  });
});

describe("moat start with bad settings", () => {
  it("stops with one line naming a bad key", async (t) => {
    const data = path.join(tempDir(t), "d");
    assert.equal((await runMoat(["--data", data, "init"])).code, 0);
    const run = await runMoat(["--data", data, "start"], { env: { MOAT_IMAP_PORT: "abc" } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^moat: setting imap\.port: expected a port number \(got "abc"\) \[from MOAT_IMAP_PORT\]\n$/);
  });

  it("names the listener whose port is taken", async (t) => {
    const data = path.join(tempDir(t), "d");
    assert.equal((await runMoat(["--data", data, "init"])).code, 0);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    t.after(() => blocker.close());
    const taken = (blocker.address() as net.AddressInfo).port;
    const run = await runMoat(["--data", data, "start"], { env: { ...zeroPorts, MOAT_LISTEN_HOST: "127.0.0.1", MOAT_POP3_PORT: String(taken) } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`setting pop3\\.port: 127\\.0\\.0\\.1:${taken} is already in use`));
  });
});
