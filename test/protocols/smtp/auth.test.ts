// Submission and SMTP AUTH (RFC 4954, RFC 6409; test plan SUB-01…05, SMTP-27). A client seen
// from a non-loopback address (through a trusted PROXY header) is "not secure" until STARTTLS.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { SmtpClient, alice, startTestServer, type TestServer, type TestServerOptions } from "./harness.js";

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const plainOf = (user: string, password: string, authzid = "") => b64(`${authzid}\0${user}\0${password}`);
const remoteIp = "203.0.113.7";

function submission(t: TestContext, opts: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer(t, { role: "submission", tls: cert, ...opts });
}

/** A loopback client (secure without TLS, as Dovecot counts it) after EHLO. */
async function loopback(port: number): Promise<SmtpClient> {
  const c = await SmtpClient.connect(port);
  await c.cmd("EHLO client.example", "250");
  return c;
}

describe("submission over STARTTLS from a remote address", () => {
  it("offers no AUTH before TLS, answers 538 without checking, then authenticates over TLS (SUB-01)", async (t) => {
    const { port, auth, flow } = await submission(t, { behindProxy: true });
    const plain = await SmtpClient.connectAs(port, remoteIp);
    const ehlo = await plain.cmd("EHLO client.example", "250-");
    assert.doesNotMatch(ehlo, /AUTH/);
    assert.match(ehlo, /STARTTLS/);
    await plain.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "538 5.7.11");
    await plain.cmd("AUTH LOGIN", "538 5.7.11");
    assert.equal(auth.calls.length, 0, "the cleartext credentials were never checked");
    await plain.cmd("MAIL FROM:<alice@example.com>", "530 5.7.0");

    await plain.cmd("STARTTLS", "220 ");
    const c = await plain.upgrade();
    assert.match(await c.cmd("EHLO client.example", "250-"), /^250[- ]AUTH PLAIN LOGIN\r$/m);
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "235 2.7.0");
    assert.deepEqual(auth.calls[0]?.context, { ip: remoteIp, secure: true, method: "SMTP AUTH PLAIN" });
    await c.cmd("MAIL FROM:<ceo@example.com>", "553 5.7.1 Sender address rejected: not owned by user"); // SUB-05, from MailFlow
    await c.cmd("MAIL FROM:<alice@example.com>", "250 ");
    await c.cmd("RCPT TO:<friend@elsewhere.example>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: out\r\n\r\nhi\r\n.", "250 2.0.0 Ok: queued as Q1");
    const origin = flow.messages[0]?.origin;
    assert.ok(origin?.kind === "submission");
    assert.deepEqual([origin.userId, origin.user, origin.ip, origin.listener], [alice.id, alice.address, remoteIp, "submission"]);
    assert.ok(origin.tls !== null);
    c.close();
  });

  it("applies the bare-LF policy to submitted mail too (SUB-10)", async (t) => {
    const { port, flow } = await submission(t, { limits: { bare_lf: "reject" } });
    const c = await loopback(port);
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "235 ");
    await c.cmd("MAIL FROM:<alice@example.com>", "250 ");
    await c.cmd("RCPT TO:<friend@elsewhere.example>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: x\nBcc: someone@elsewhere.example\r\n\r\nbody\r\n.", "550 5.5.2");
    assert.equal(flow.messages.length, 0);
    c.close();
  });

  it("asks for AUTH before MAIL even on loopback", async (t) => {
    const { port } = await submission(t);
    const c = await loopback(port);
    await c.cmd("MAIL FROM:<alice@example.com>", "530 5.7.0 Authentication required");
    c.close();
  });
});

describe("AUTH exchanges", () => {
  it("runs LOGIN with its prompts, and PLAIN without an initial response", async (t) => {
    const { port, auth } = await submission(t);
    const c = await loopback(port);
    await c.cmd("AUTH LOGIN", "334 VXNlcm5hbWU6");
    await c.cmd(b64(alice.address), "334 UGFzc3dvcmQ6");
    await c.cmd(b64(alice.password), "235 2.7.0");
    assert.deepEqual(auth.calls[0], { identity: alice.address, secret: alice.password, context: { ip: "127.0.0.1", secure: true, method: "SMTP AUTH LOGIN" } });
    c.close();

    const d = await loopback(port);
    await d.cmd("AUTH PLAIN", "334 \r\n");
    await d.cmd(plainOf(alice.address, alice.password), "235 2.7.0");
    assert.equal(auth.calls[1]?.context.method, "SMTP AUTH PLAIN");
    d.close();
  });

  it("answers 535 5.7.8 to bad credentials and closes with 421 4.7.0 after max_auth_failures (SUB-02)", async (t) => {
    const { port, auth } = await submission(t);
    const c = await loopback(port);
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, "wrong")}`, "535 5.7.8 Authentication failed");
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, "wrong again")}`, "535 5.7.8");
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "235 2.7.0"); // a success in between
    c.close();

    const d = await loopback(port);
    for (let i = 0; i < 3; i++) await d.cmd(`AUTH PLAIN ${plainOf(alice.address, `guess${i}`)}`, "535 5.7.8");
    await d.expect("421 4.7.0");
    await d.wire.closed;
    assert.equal(auth.calls.length, 6);
  });

  it("refuses empty credentials with 535 (SMTP-27)", async (t) => {
    const { port } = await submission(t, { limits: { max_auth_failures: 10 } });
    const c = await loopback(port);
    await c.cmd(`AUTH PLAIN ${b64("\0\0")}`, "535 5.7.8");
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, "")}`, "535 5.7.8");
    await c.cmd("AUTH PLAIN =", "501 5.5.2"); // an empty response is not a PLAIN message
    await c.cmd("AUTH LOGIN", "334 ");
    await c.cmd("", "334 ");
    await c.cmd("", "535 5.7.8");
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password, "ceo@example.com")}`, "535 5.7.8"); // no acting as another user
    await c.cmd("MAIL FROM:<alice@example.com>", "530 5.7.0");
    c.close();
  });

  it("answers 454 4.7.0 to a temporary failure and to a failing authenticate()", async (t) => {
    const { port, auth } = await submission(t);
    const c = await loopback(port);
    await c.cmd(`AUTH PLAIN ${plainOf("throttled@example.com", "x")}`, "454 4.7.0 Too many failed logins; try again later");
    c.close();

    auth.failure = new Error("database down");
    const d = await loopback(port);
    await d.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "454 4.7.0");
    d.close();
  });

  it("refuses AUTH when authenticated, inside a transaction, before EHLO and on MX (SUB-03)", async (t) => {
    const { port } = await submission(t);
    const early = await SmtpClient.connect(port);
    await early.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "503 5.5.1 Send EHLO");
    early.close();

    const c = await loopback(port);
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "235 ");
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "503 5.5.1 Already authenticated");
    await c.cmd("MAIL FROM:<alice@example.com>", "250 ");
    await c.cmd("AUTH LOGIN", "503 5.5.1");
    await c.cmd("STARTTLS", "503 5.5.1"); // RFC 2595 §3.1: not after AUTH either
    c.close();

    const { port: mxPort, auth } = await startTestServer(t, { tls: cert });
    const mx = await loopback(mxPort);
    await mx.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "502 5.5.1");
    assert.equal(auth.calls.length, 0);
    mx.close();
  });

  it("handles cancel, bad base64 and over-long responses; the session stays usable (SUB-04)", async (t) => {
    const { port, auth } = await submission(t);
    const c = await loopback(port);
    await c.cmd("AUTH PLAIN", "334 ");
    await c.cmd("*", "501 5.7.0");
    await c.cmd("AUTH LOGIN", "334 ");
    await c.cmd("*", "501 5.7.0");
    await c.cmd("AUTH PLAIN not-base64!", "501 5.5.2");
    await c.cmd("AUTH PLAIN AGFsaWNl", "501 5.5.2"); // valid base64, but not a PLAIN message
    await c.cmd("AUTH CRAM-MD5", "504 5.5.4");
    await c.cmd("AUTH PLAIN", "334 ");
    await c.cmd("A".repeat(13_000), "500 5.5.6");
    await c.cmd(`AUTH PLAIN ${"A".repeat(13_000)}`, "500 5.5.2");
    assert.equal(auth.calls.length, 0);
    await c.cmd(`AUTH PLAIN ${plainOf(alice.address, alice.password)}`, "235 2.7.0");
    c.close();
  });
});
