// The outbound SMTP client: what it puts on the wire (SMTP-07: CRLF only, dot-stuffed),
// per-recipient replies, and TLS — opportunistic unless required, verified when required.
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it, type TestContext } from "node:test";
import type { SmtpSendRequest } from "../../../../src/core/ports/transport.js";
import { createSmtpTransport } from "../../../../src/protocols/smtp/client/transport.js";
import { selfSignedCert } from "../../../support/self-signed.js";
import { startSink } from "../../../core/delivery/sink.js";

const transport = createSmtpTransport({ connectTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 });

function request(port: number, overrides: Partial<SmtpSendRequest> = {}): SmtpSendRequest {
  return {
    host: "127.0.0.1",
    port,
    requireTls: false,
    envelope: { from: "alice@example.com", to: ["bob@remote.example"] },
    message: Buffer.from("Subject: hi\r\n\r\nhello\r\n"),
    hostname: "mx.example.com",
    ...overrides,
  };
}

/**
 * A bare-bones SMTP peer that records every byte the client sends (smtp-server would undo the
 * dot-stuffing before we could look). No STARTTLS, so the capture is plaintext.
 */
async function rawCapture(t: TestContext, opts: { brokenStarttls?: boolean } = {}): Promise<{ port: number; wire: () => string; connections: () => number }> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let inData = false;
    let pending = "";
    socket.write("220 capture ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      pending += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = pending.indexOf("\r\n.\r\n");
          if (end < 0) return;
          pending = pending.slice(end + 5);
          inData = false;
          socket.write("250 2.0.0 queued\r\n");
          continue;
        }
        const eol = pending.indexOf("\r\n");
        if (eol < 0) return;
        const line = pending.slice(0, eol).toUpperCase();
        pending = pending.slice(eol + 2);
        if (line.startsWith("EHLO")) socket.write(`250-capture\r\n${opts.brokenStarttls ? "250-STARTTLS\r\n" : ""}250 8BITMIME\r\n`);
        // Says yes to STARTTLS, then answers the TLS handshake with plain text.
        else if (line === "STARTTLS") socket.write("220 ready\r\nthis is not TLS\r\n");
        else if (line === "DATA") {
          inData = true;
          // The terminator search starts at the CRLF that ended the DATA line.
          pending = `\r\n${pending}`;
          socket.write("354 go ahead\r\n");
        } else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 2.1.0 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, wire: () => Buffer.concat(chunks).toString("latin1"), connections: () => connections };
}

describe("SMTP client transport", () => {
  it("SMTP-07: sends only CRLF line ends and dot-stuffs, so stored bytes cannot end DATA early", async (t) => {
    const peer = await rawCapture(t);
    const stored = Buffer.from("Subject: x\n\n.\n..\n.a\r\nline\rnext\n\r\n.\r\nMAIL FROM:<evil@example.org>\nlast");
    const result = await transport.send(request(peer.port, { message: stored }));
    assert.equal(result.recipients[0]?.accepted, true, JSON.stringify(result));
    const wire = peer.wire();
    assert.ok(wire.startsWith("EHLO mx.example.com\r\n"));
    // QUIT may not have arrived yet: the data ends at the first end-of-data sequence.
    const start = wire.indexOf("DATA\r\n") + 6;
    const data = wire.slice(start, wire.indexOf("\r\n.\r\n", start - 2) + 5);
    assert.equal(data, "Subject: x\r\n\r\n..\r\n...\r\n..a\r\nline\r\nnext\r\n\r\n..\r\nMAIL FROM:<evil@example.org>\r\nlast\r\n.\r\n");
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(wire), "no bare CR or LF anywhere on the wire");
    assert.equal(wire.slice(start - 2).split("\r\n.\r\n").length, 2, "exactly one end-of-data sequence");
  });

  it("falls back to plaintext when an offered STARTTLS handshake fails, unless TLS is required", async (t) => {
    const peer = await rawCapture(t, { brokenStarttls: true });
    const result = await transport.send(request(peer.port));
    assert.deepEqual([result.connected, result.tls, result.recipients[0]?.accepted], [true, false, true]);
    assert.equal(peer.connections(), 2, "a second, plaintext session");
    const required = await transport.send(request(peer.port, { requireTls: true }));
    assert.deepEqual([required.connected, required.recipients[0]?.accepted], [false, false]);
    assert.equal(peer.connections(), 3, "no plaintext retry under require_tls");
  });

  it("reports each recipient's reply and sends the data to the accepted ones", async (t) => {
    const sink = await startSink(t);
    sink.rcptReplies.set("gone@remote.example", { code: 550, text: "5.1.1 No such user" });
    sink.rcptReplies.set("full@remote.example", { code: 452, text: "4.2.2 Mailbox full" });
    const to = ["bob@remote.example", "gone@remote.example", "full@remote.example"];
    const result = await transport.send(request(sink.port, { envelope: { from: "", to } }));
    assert.equal(result.connected, true);
    assert.equal(result.tls, true, "STARTTLS offered, so used");
    assert.deepEqual(
      result.recipients.map((r) => [r.recipient, r.accepted, r.permanent, r.code]),
      [
        ["bob@remote.example", true, false, 250],
        ["gone@remote.example", false, true, 550],
        ["full@remote.example", false, false, 452],
      ],
    );
    assert.match(result.recipients[1]!.response, /^550 5.1.1 No such user/);
    assert.deepEqual([sink.received[0]?.from, sink.received[0]?.to], ["", ["bob@remote.example"]], "the null sender is MAIL FROM:<>");
  });

  it("gives every recipient its own refusal when all are refused, and the data reply when DATA fails", async (t) => {
    const sink = await startSink(t);
    sink.rcptReplies.set("a@remote.example", { code: 550, text: "5.1.1 nope" });
    sink.rcptReplies.set("b@remote.example", { code: 450, text: "4.2.0 later" });
    const refused = await transport.send(request(sink.port, { envelope: { from: "x@example.com", to: ["a@remote.example", "b@remote.example"] } }));
    assert.deepEqual(refused.recipients.map((r) => [r.code, r.permanent]), [[550, true], [450, false]]);
    sink.dataReply = { code: 554, text: "5.7.1 Spam detected" };
    const rejected = await transport.send(request(sink.port));
    assert.deepEqual(rejected.recipients.map((r) => [r.accepted, r.permanent, r.code]), [[false, true, 554]]);
    assert.equal(sink.received.length, 0);
  });

  it("says 'not connected' when nothing listens, the greeting is refused, or the EHLO name is bad", async (t) => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await transport.send(request(port));
    assert.deepEqual([refused.connected, refused.recipients[0]?.accepted, refused.recipients[0]?.permanent], [false, false, false]);
    assert.match(refused.recipients[0]!.response, /ECONNREFUSED/);

    const sink = await startSink(t);
    sink.down = true;
    const down = await transport.send(request(sink.port));
    assert.deepEqual([down.connected, down.recipients[0]?.code], [false, 421]);
    const bad = await transport.send(request(sink.port, { hostname: "mx.example.com\r\nRCPT TO:<x@y>" }));
    assert.equal(bad.connected, false);
  });

  it("with require_tls, delivers only over STARTTLS with a certificate valid for the host name", async (t) => {
    const pair = selfSignedCert(t);
    const sink = await startSink(t, { key: pair.key, cert: pair.cert });
    const trusting = createSmtpTransport({ connectTimeoutMs: 2000, greetingTimeoutMs: 2000, ca: pair.cert });
    const ok = await trusting.send(request(sink.port, { requireTls: true, servername: "localhost" }));
    assert.deepEqual([ok.connected, ok.tls, ok.recipients[0]?.accepted], [true, true, true]);

    const wrongName = await trusting.send(request(sink.port, { requireTls: true, servername: "mx.other.example" }));
    assert.deepEqual([wrongName.connected, wrongName.recipients[0]?.accepted], [false, false]);
    const untrusted = await transport.send(request(sink.port, { requireTls: true, servername: "localhost" }));
    assert.deepEqual([untrusted.connected, untrusted.recipients[0]?.accepted], [false, false]);
    assert.equal(sink.received.length, 1, "nothing was sent over an unverified channel");
  });

  it("sends in plaintext to a server without STARTTLS, unless TLS is required", async (t) => {
    const sink = await startSink(t, { hideSTARTTLS: true });
    const plain = await transport.send(request(sink.port));
    assert.deepEqual([plain.connected, plain.tls, plain.recipients[0]?.accepted], [true, false, true]);
    const required = await transport.send(request(sink.port, { requireTls: true, servername: "localhost" }));
    assert.deepEqual([required.connected, required.recipients[0]?.accepted, required.recipients[0]?.permanent], [false, false, false]);
    assert.equal(sink.received.length, 1);
  });
});
