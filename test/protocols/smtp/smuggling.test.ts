// SMTP smuggling and framing over real sockets (test plan SMTP-01…06, SMTP-20, SUB-10, B0.2):
// whatever lookalike terminator a client sends, exactly one message comes out, nothing after
// the lookalike runs as a command, and the outcome does not depend on TCP segmentation.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { SmtpLimits } from "../../../src/protocols/smtp/server/server.js";
import { connectTcp, wire } from "../../support/wire.js";
import { SmtpClient, codesOf, startTestServer } from "./harness.js";

const evil = "MAIL FROM:<x@evil.example>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: x@evil.example\r\n\r\nspoofed\r\n";
const lookalikes = ["\n.\r\n", "\n.\n", "\r.\r\n", "\r.\r", "\r\n.\n", "\r\n.\r", "\r\n.\r\r\n", "\r\r\n.\r\r\n", "\n..\n"];

async function openTransaction(port: number): Promise<SmtpClient> {
  const c = await SmtpClient.connect(port);
  await c.cmd("EHLO client.example", "250");
  await c.cmd("MAIL FROM:<sender@remote.example>", "250 ");
  await c.cmd("RCPT TO:<bob@example.com>", "250 ");
  await c.cmd("DATA", "354 ");
  return c;
}

/** Sends the body, the real terminator and QUIT at once; returns every reply until the close. */
async function finish(c: SmtpClient, body: string): Promise<string> {
  await c.write(Buffer.from(`${body}.\r\nQUIT\r\n`, "latin1"));
  await c.wire.closed;
  return c.unread;
}

describe("SMTP smuggling: lookalike terminators (SMTP-01, SMTP-02)", () => {
  for (const seq of lookalikes) {
    it(`${JSON.stringify(seq)}: exactly one message, nothing from x@evil (normalize)`, async (t) => {
      const { port, flow } = await startTestServer(t);
      const c = await openTransaction(port);
      const replies = await finish(c, `Subject: a\r\n\r\nbody${seq}${evil}`);
      assert.deepEqual(codesOf(replies), ["250", "221"]);
      assert.equal(flow.messages.length, 1);
      assert.deepEqual(flow.senders, ["sender@remote.example"]);
      assert.deepEqual(flow.recipients, ["bob@example.com"]);
      assert.ok(flow.messages[0]?.message.includes("MAIL FROM:<x@evil.example>"), "the smuggled commands are inside the one message");
    });

    it(`${JSON.stringify(seq)}: 550 5.5.2 at the real end, nothing run (reject)`, async (t) => {
      const { port, flow } = await startTestServer(t, { limits: { bare_lf: "reject" } });
      const c = await openTransaction(port);
      const replies = await finish(c, `Subject: a\r\n\r\nbody${seq}${evil}`);
      assert.deepEqual(codesOf(replies), ["550", "221"]);
      assert.match(replies, /^550 5\.5\.2 /);
      assert.equal(flow.messages.length, 0);
      assert.deepEqual(flow.senders, ["sender@remote.example"]);
    });
  }
});

describe("SMTP framing: bare LF, dot-stuffing, size", () => {
  it("normalize: bare LF becomes CRLF, no other byte changes (SMTP-03, SMTP-04)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await openTransaction(port);
    await finish(c, "Subject: a\nX-B: b\r\n\r\nline\rwith CR\r\r\nbare\nend\r\n");
    assert.equal(flow.messages[0]?.message.toString("latin1"), "Subject: a\r\nX-B: b\r\n\r\nline\rwith CR\r\r\nbare\r\nend\r\n");
  });

  it("reject: 550 5.5.2 for a bare LF in a header, and the session goes on", async (t) => {
    const { port, flow } = await startTestServer(t, { limits: { bare_lf: "reject" } });
    const c = await openTransaction(port);
    await c.write("Subject: a\nX: b\r\n\r\nbody\r\n.\r\n");
    await c.expect("550 5.5.2");
    await c.cmd("MAIL FROM:<sender@remote.example>", "250 ");
    assert.equal(flow.messages.length, 0);
    c.close();
  });

  it("reject: a command ended by a bare LF is not run", async (t) => {
    const { port, flow } = await startTestServer(t, { limits: { bare_lf: "reject" } });
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.write("MAIL FROM:<a@remote.example>\n");
    await c.expect("500 5.5.2");
    assert.deepEqual(flow.senders, []);
    c.close();
  });

  it("unstuffs dots: '..', '..a' and a stuffed '.' are stored as '.', '.a', '.' (SMTP-06)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await openTransaction(port);
    await finish(c, "Subject: dots\r\n\r\n..\r\n..a\r\n..\r\n");
    assert.equal(flow.messages[0]?.message.toString(), "Subject: dots\r\n\r\n.\r\n.a\r\n.\r\n");
  });

  it("answers one 552 5.3.4 to an oversized message with a smuggled '.\\n' (SMTP-05, chasquid)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await openTransaction(port);
    const replies = await finish(c, `${"x".repeat(12_000)}\r\n.\nHELP\r\nHELP\r\n`);
    assert.deepEqual(codesOf(replies), ["552", "221"]);
    assert.doesNotMatch(replies, /^214/m, "no HELP was run");
    assert.equal(flow.messages.length, 0);
  });

  it("under reject, the oversized smuggle gets the line-ending error only", async (t) => {
    const { port } = await startTestServer(t, { limits: { bare_lf: "reject" } });
    const c = await openTransaction(port);
    const replies = await finish(c, `${"x".repeat(12_000)}\r\n.\nHELP\r\nHELP\r\n`);
    assert.deepEqual(codesOf(replies), ["550", "221"]);
  });
});

describe("PIPELINING (RFC 2920, SMTP-20, SMTP-39)", () => {
  it("answers a pipelined transaction in order, one reply per command", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.write("EHLO client.example\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await c.reply());
    assert.deepEqual(codesOf(replies.join("")), ["250", "250", "550", "250", "250", "354"]);
    await c.write("Subject: p\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<dave@example.com>\r\nDATA\r\n");
    assert.deepEqual(codesOf((await c.reply()) + (await c.reply()) + (await c.reply()) + (await c.reply())), ["250", "250", "250", "354"]);
    await c.write("Subject: q\r\n\r\n.\r\nQUIT\r\n");
    await c.wire.closed;
    assert.deepEqual(codesOf(c.unread), ["250", "221"]);
    assert.deepEqual(flow.messages.map((m) => m.envelope.recipients), [["bob@example.com", "carol@example.com"], ["dave@example.com"]]);
  });

  it("sends the replies to a pipelined group together, when it next waits for the client (RFC 2920 §3.1)", async (t) => {
    const { port } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    const chunks: string[] = [];
    c.wire.socket.on("data", (chunk: Buffer) => chunks.push(chunk.toString("latin1")));
    await c.write("MAIL FROM:<a@remote.example>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
    for (let i = 0; i < 4; i++) await c.reply();
    // One write for the four replies, so (on loopback) one chunk, not one segment per reply.
    assert.deepEqual(chunks.map((chunk) => codesOf(chunk)), [["250", "250", "250", "354"]]);
    c.close();
  });

  it("handles commands pipelined after HELO strictly in sequence (SMTP-19)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.write("HELO client.example\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: s\r\n\r\n.\r\nQUIT\r\n");
    await c.wire.closed;
    assert.deepEqual(codesOf(c.unread), ["250", "250", "250", "354", "250", "221"]);
    assert.equal(flow.messages.length, 1);
  });

  it("a client that stops reading gets every reply, in order, once it reads again", async (t) => {
    const { port } = await startTestServer(t, { limits: { max_junk_commands: 1000 } });
    const socket = await connectTcp(port);
    socket.pause();
    const count = 50_000;
    socket.write("NOOP\r\n".repeat(count) + "QUIT\r\n");
    const c = new SmtpClient(wire(socket));
    socket.resume();
    await c.wire.closed;
    const codes = codesOf(c.wire.text);
    assert.equal(codes.length, count + 2);
    assert.deepEqual([codes[0], codes[1], codes[count], codes[count + 1]], ["220", "250", "250", "221"]);
  });
});

/** One whole session written in chunks of `size` bytes; the replies and the stored messages. */
async function replay(t: TestContext, size: number, limits: Partial<SmtpLimits>): Promise<{ replies: string; messages: string[] }> {
  const { port, flow } = await startTestServer(t, { limits });
  const transcript = Buffer.from(
    "EHLO client.example\r\nMAIL FROM:<a@remote.example> SIZE=300\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n" +
      `Subject: chunks\r\n\r\n..dot\r\nbare\nlf\r\nlook\n.\r\n${evil}tail\r\n.\r\n` +
      `RSET\r\nNOOP ${"n".repeat(2100)}\r\nMAIL FROM:<b@remote.example>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n${"z".repeat(400)}\r\n.\r\nQUIT\r\n`,
    "latin1",
  );
  const socket = await connectTcp(port);
  socket.setNoDelay(true);
  const client = wire(socket);
  for (let at = 0; at < transcript.length; at += size) await client.write(transcript.subarray(at, at + size));
  await client.closed;
  return { replies: client.text, messages: flow.messages.map((m) => m.message.toString("latin1")) };
}

describe("chunked input (B0.2): the same outcome at any segmentation", () => {
  for (const limits of [{ bare_lf: "normalize" as const, max_message_bytes: 1000 }, { bare_lf: "reject" as const, max_message_bytes: 1000 }]) {
    it(`replays a session in 1, 2, 3, 7 and 64-byte chunks (${limits.bare_lf})`, async (t) => {
      const whole = await replay(t, 1 << 20, limits);
      const expected = limits.bare_lf === "normalize" ? ["220", "250", "250", "550", "250", "354", "250", "250", "500", "250", "250", "354", "250", "221"] : ["220", "250", "250", "550", "250", "354", "550", "250", "500", "250", "250", "354", "250", "221"];
      assert.deepEqual(codesOf(whole.replies), expected);
      for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(await replay(t, size, limits), whole, `chunks of ${size}`);
      assert.equal(whole.messages.length, limits.bare_lf === "normalize" ? 2 : 1);
    });
  }
});
