// STARTTLS (RFC 3207; test plan SMTP-30…32) and implicit TLS (submissions, SUB-09).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { connectTcp, connectTls, wire } from "../../support/wire.js";
import { SmtpClient, codesOf, startTestServer } from "./harness.js";

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

describe("STARTTLS", () => {
  it("upgrades, forgets the EHLO, stops offering STARTTLS and records the TLS facts (SMTP-31)", async (t) => {
    const { port, flow } = await startTestServer(t, { tls: cert });
    const plain = await SmtpClient.connect(port);
    assert.match(await plain.cmd("EHLO before-tls.example", "250-"), /^250[- ]STARTTLS\r$/m);
    await plain.cmd("STARTTLS", "220 2.0.0");
    const c = await plain.upgrade();
    await c.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1 Send EHLO"); // state reset by the handshake
    assert.doesNotMatch(await c.cmd("EHLO after-tls.example", "250-"), /STARTTLS/);
    await c.cmd("STARTTLS", "503 5.5.1");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: tls\r\n\r\n.", "250 ");
    const origin = flow.messages[0]?.origin;
    assert.ok(origin?.kind === "mx");
    assert.equal(origin.helo, "after-tls.example");
    assert.match(origin.tls?.protocol ?? "", /^TLSv1\.[23]$/);
    assert.ok((origin.tls?.cipher ?? "").length > 0);
    c.close();
  });

  for (const injected of ["RSET\r\n", "MAIL FROM:<evil@attacker.example>\r\n", "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<bob@example.com>\r\n"]) {
    it(`discards ${JSON.stringify(injected)} pipelined after STARTTLS and logs it (SMTP-30)`, async (t) => {
      const { port, flow, logs } = await startTestServer(t, { tls: cert });
      const plain = await SmtpClient.connect(port);
      await plain.cmd("EHLO client.example", "250");
      await plain.write(`STARTTLS\r\n${injected}`);
      await plain.expect("220 2.0.0");
      assert.equal(plain.unread, "", "no plaintext reply to the injected command");
      const c = await plain.upgrade();
      // The first reply over TLS is the one to our own EHLO: nothing injected was answered.
      await c.cmd("EHLO client.example", "250-mx.example.com");
      await c.cmd("RCPT TO:<bob@example.com>", "503 5.5.1");
      assert.deepEqual(flow.senders, []);
      const warning = logs.find((l) => l.msg === "pipelined data after STARTTLS discarded");
      assert.equal(warning?.bytes, injected.length);
      assert.equal(warning?.ip, "127.0.0.1");
      c.close();
    });
  }

  it("refuses STARTTLS inside a transaction, with arguments, and without a certificate (SMTP-32)", async (t) => {
    const { port } = await startTestServer(t, { tls: cert });
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("STARTTLS now", "501 5.5.4");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("STARTTLS", "503 5.5.1");
    await c.cmd("RCPT TO:<bob@example.com>", "250 "); // the transaction is untouched
    c.close();

    const { port: noCertPort } = await startTestServer(t);
    const d = await SmtpClient.connect(noCertPort);
    await d.cmd("STARTTLS", "502 5.5.1");
    d.close();
  });

  it("closes the connection when the handshake fails", async (t) => {
    const { port, flow } = await startTestServer(t, { tls: cert });
    const c = await SmtpClient.connect(port);
    await c.cmd("STARTTLS", "220 ");
    await c.write("MAIL FROM:<evil@attacker.example>\r\n"); // plaintext where a ClientHello belongs
    await c.wire.closed;
    assert.deepEqual(codesOf(c.unread), [], "no SMTP reply to the plaintext (a TLS alert at most)");
    assert.deepEqual(flow.senders, []);
  });
});

describe("implicit TLS (submissions, RFC 8314)", () => {
  it("speaks only TLS: greeting and EHLO over TLS, no STARTTLS, AUTH offered", async (t) => {
    const { port } = await startTestServer(t, { role: "submissions", tls: cert });
    const c = new SmtpClient(wire(await connectTls(port)));
    await c.expect("220 mx.example.com ESMTP");
    const ehlo = await c.cmd("EHLO client.example", "250-");
    assert.doesNotMatch(ehlo, /STARTTLS/);
    assert.match(ehlo, /^250[- ]AUTH PLAIN LOGIN\r$/m);
    c.close();
  });

  it("drops a plaintext client without a cleartext reply (SUB-09)", async (t) => {
    const { port, auth } = await startTestServer(t, { role: "submissions", tls: cert });
    const c = wire(await connectTcp(port));
    await c.write("EHLO client.example\r\nAUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHg=\r\n");
    await c.closed;
    assert.deepEqual(codesOf(c.text), []);
    assert.equal(auth.calls.length, 0);
  });

  it("refuses to start without a certificate", async (t) => {
    await assert.rejects(startTestServer(t, { role: "submissions" }), /needs a TLS certificate/);
  });
});
