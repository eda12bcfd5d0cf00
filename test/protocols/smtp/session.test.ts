// The SMTP session over real sockets (MX role): the happy path, state errors, limits and abuse
// handling (test plan B1). MailFlow is the recording one of harness.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SmtpClient, codesOf, startTestServer } from "./harness.js";

describe("SMTP session: a transaction", () => {
  it("greets at once, lists its extensions and takes a message with the right Origin", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    const ehlo = await c.cmd("EHLO client.example", "250-mx.example.com\r\n");
    for (const ext of ["SIZE 10000", "8BITMIME", "SMTPUTF8", "PIPELINING", "ENHANCEDSTATUSCODES"]) assert.match(ehlo, new RegExp(`^250[- ]${ext}\r$`, "m"));
    assert.doesNotMatch(ehlo, /AUTH|STARTTLS/, "MX without a certificate: neither AUTH nor STARTTLS");
    await c.cmd("MAIL FROM:<sender@remote.example> SIZE=120 BODY=8BITMIME", "250 2.1.0");
    await c.cmd("RCPT TO:<Bob@Example.com>", "250 2.1.5");
    await c.cmd("RCPT TO:<bob@example.com>", "250 2.1.5"); // the same recipient again: one delivery
    await c.cmd("DATA", "354 ");
    const done = await c.cmd("Subject: hi\r\n\r\nhello\r\n.", "250 2.0.0 Ok: queued as Q1");
    assert.equal(done, "250 2.0.0 Ok: queued as Q1\r\n");
    await c.cmd("QUIT", "221 2.0.0");
    await c.wire.closed;

    assert.equal(flow.messages.length, 1);
    const [stored] = flow.messages;
    assert.equal(stored?.message.toString(), "Subject: hi\r\n\r\nhello\r\n");
    assert.deepEqual(stored?.envelope, { mailFrom: "sender@remote.example", recipients: ["bob@example.com"], refusedRecipients: [], smtpUtf8: false, body: "8BITMIME" });
    const origin = stored?.origin;
    assert.ok(origin?.kind === "mx");
    assert.deepEqual([origin.ip, origin.helo, origin.tls, origin.listener], ["127.0.0.1", "client.example", null, "smtp"]);
    assert.match(origin.sessionId, /^[A-Za-z0-9_-]{12}$/);
  });

  it("accepts the null reverse-path of a bounce, and HELO without extensions", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    assert.equal(await c.cmd("HELO client.example", "250 "), "250 mx.example.com\r\n");
    await c.cmd("MAIL FROM:<> SIZE=10", "555 5.5.4"); // no extension parameters after HELO
    await c.cmd("MAIL FROM:<>", "250 2.1.0");
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: bounce\r\n\r\n.", "250 ");
    assert.equal(flow.messages[0]?.envelope.mailFrom, null);
    c.close();
  });

  it("maps MailFlow verdicts to replies and keeps the transaction for accepted recipients", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<blocked@example.net>", "550 5.7.1 Sender blocked by policy 250 fake\r\n");
    await c.cmd("MAIL FROM:<broken@example.net>", "451 4.3.0");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<nobody@example.com>", "550 5.1.1 No such user here");
    await c.cmd("RCPT TO:<someone@elsewhere.example>", "554 5.7.1 Relay access denied");
    await c.cmd("RCPT TO:<later@example.com>", "451 4.3.0 Try again later");
    await c.cmd("RCPT TO:<broken@example.com>", "451 4.3.0"); // SMTP-35: a thrown lookup is temporary
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("X-Fail: store\r\n\r\nx\r\n.", "451 4.3.0"); // SMTP-36
    assert.equal(flow.messages.length, 0);
    await c.cmd("MAIL FROM:<a@remote.example>", "250 "); // the failed DATA ended the transaction
    c.close();
  });

  it("answers VRFY with 252 without looking, EXPN with 502, HELP with 214 (SMTP-24)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("VRFY nobody@example.com", "252 2.5.0");
    await c.cmd("VRFY bob@example.com", "252 2.5.0");
    await c.cmd("EXPN staff@example.com", "502 5.5.1");
    await c.cmd("HELP", "214 2.0.0");
    await c.cmd("NOOP anything", "250 2.0.0");
    assert.deepEqual(flow.recipients, []);
    c.close();
  });

  it("refuses non-ASCII addresses without SMTPUTF8 and takes them with it", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<j\u00f6rg@remote.example>", "553 5.6.7");
    await c.cmd("MAIL FROM:<j\u00f6rg@remote.example> SMTPUTF8", "250 ");
    await c.cmd("RCPT TO:<b\u00fccher@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: x\r\n\r\n.", "250 ");
    assert.deepEqual(flow.messages[0]?.envelope.recipients, ["b\u00fccher@example.com"]);
    assert.equal(flow.messages[0]?.envelope.smtpUtf8, true);
    c.close();
  });
});

describe("SMTP session: relay disguises (SMTP-26)", () => {
  it("refuses each disguise or hands core a canonical local address, never a remote one", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<@example.com:user@external.example>", "501 5.1.3");
    await c.cmd('RCPT TO:<"user@external.example"@example.com>', "501 5.1.3");
    await c.cmd("RCPT TO:<user@[192.0.2.4]>", "501 5.1.3");
    await c.cmd("RCPT TO:<user@external.example.>", "554 5.7.1"); // canonical: user@external.example
    await c.cmd("RCPT TO:<user%external.example@example.com>", "250 ");
    await c.cmd("RCPT TO:<external.example!user@example.com>", "250 ");
    assert.deepEqual(flow.recipients, ["user%external.example@example.com", "external.example!user@example.com"]);
    c.close();
  });
});

describe("SMTP session: state errors (SMTP-17)", () => {
  it("answers 503 5.5.1 to commands out of sequence", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1 Send EHLO");
    await c.cmd("EHLO client.example", "250");
    await c.cmd("RCPT TO:<bob@example.com>", "503 5.5.1 Need MAIL");
    await c.cmd("DATA", "503 5.5.1 Need MAIL");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1 Nested MAIL");
    await c.cmd("DATA", "503 5.5.1 Need RCPT");
    await c.cmd("RSET", "250 2.0.0");
    await c.cmd("RCPT TO:<bob@example.com>", "503 5.5.1");
    await c.cmd("DATA extra", "503 5.5.1");
    assert.equal(flow.recipients.length, 0);
    c.close();
  });

  it("resets the transaction on EHLO (RFC 5321 §4.1.4)", async (t) => {
    const { port } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO a.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("EHLO a.example", "250");
    await c.cmd("RCPT TO:<bob@example.com>", "503 5.5.1");
    c.close();
  });

  it("answers syntax errors with 501/555 and unknown commands with 500", async (t) => {
    const { port } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO", "501 5.5.4");
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:a@remote.example", "501 5.5.4");
    await c.cmd("MAIL FROM:<@relay.example:a@remote.example>", "501 5.1.7");
    await c.cmd('MAIL FROM:<"a b"@remote.example>', "501 5.1.7");
    await c.cmd("MAIL FROM:<a@remote.example> RET=HDRS", "555 5.5.4");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<>", "501 5.1.3");
    await c.cmd("RCPT TO:<user@[192.0.2.1]>", "501 5.1.3");
    await c.cmd("RCPT TO:<bob@example.com> NOTIFY=NEVER", "555 5.5.4");
    await c.cmd("FROB", "500 5.5.1");
    c.close();
  });
});

describe("SMTP session: limits and abuse", () => {
  it("refuses a 2049-octet line at once with 500 5.5.2 and goes on (SMTP-09)", async (t) => {
    const { port } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd(`NOOP ${"a".repeat(2043)}`, "250 "); // 2048 octets
    await c.write(`NOOP ${"a".repeat(2044)}`); // 2049 octets, no CRLF yet
    await c.write("aaa");
    await c.expect("500 5.5.2 Line too long");
    await c.cmd("still the long line\r\nNOOP", "250 "); // the rest of the long line up to its LF is dropped
    c.close();
  });

  it("cuts a 10 MiB line without CRLF at the cap, not at its end (SMTP-10)", async (t) => {
    const { port } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    const written = c.write(Buffer.alloc(10 * 1024 * 1024, 0x61));
    await c.expect("500 5.5.2 Line too long");
    await written;
    await c.cmd("\r\nNOOP", "250 2.0.0");
    c.close();
  });

  it("takes 100 recipients and answers 452 4.5.3 past max_recipients (SMTP-13)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    const lines = Array.from({ length: 102 }, (_, i) => `RCPT TO:<user${i}@example.com>\r\n`).join("");
    await c.write(lines); // pipelined
    const replies = [];
    for (let i = 0; i < 102; i++) replies.push(await c.reply());
    assert.deepEqual(codesOf(replies.join("")), [...Array(100).fill("250"), "452", "452"]);
    assert.match(replies[100] ?? "", /^452 4\.5\.3 /);
    await c.cmd("DATA", "354 ");
    await c.cmd("Subject: many\r\n\r\n.", "250 ");
    assert.equal(flow.messages[0]?.envelope.recipients.length, 100);
    c.close();
  });

  it("refuses a declared oversize at MAIL and an undeclared one at the end of DATA (SMTP-14)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example> SIZE=999999999999", "552 5.3.4");
    await c.cmd("MAIL FROM:<a@remote.example> SIZE=10001", "552 5.3.4");
    await c.cmd("MAIL FROM:<a@remote.example> SIZE=10000", "250 ");
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.cmd(`${"x".repeat(20_000)}\r\n.`, "552 5.3.4");
    assert.equal(flow.messages.length, 0);
    await c.cmd("NOOP", "250 ");
    c.close();
  });

  it("closes after max_junk_commands invalid commands with 421 4.7.0 (SMTP-21)", async (t) => {
    const { port } = await startTestServer(t, { limits: { max_junk_commands: 3 } });
    const c = await SmtpClient.connect(port);
    await c.cmd("FOO", "500 ");
    await c.cmd("BAR", "500 ");
    await c.cmd("DATA", "503 ");
    await c.cmd("BAZ", "421 4.7.0");
    await c.wire.closed;
  });

  for (const line of ["GET / HTTP/1.1", "POST /submit HTTP/1.1", "CONNECT mx.example.com:25 HTTP/1.1", "HEAD / HTTP/1.0", "PUT /x HTTP/1.1"]) {
    it(`answers ${line.split(" ")[0]} with 502 5.7.0 and closes (SMTP-22)`, async (t) => {
      const { port, logs } = await startTestServer(t);
      const c = await SmtpClient.connect(port);
      await c.write(`${line}\r\nHost: mx.example.com\r\n\r\n`);
      await c.expect("502 5.7.0");
      await c.wire.closed;
      assert.equal(c.unread, "", "nothing after the 502: the headers are never answered");
      assert.ok(logs.some((l) => l.msg.startsWith("HTTP request on an SMTP port")));
    });
  }

  it("answers NUL in a command with 501 5.5.4, without truncating at the NUL (SMTP-23)", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a\0b@remote.example>", "501 5.5.4");
    await c.cmd("MAIL FROM:<a@remote.example>\0", "501 5.5.4");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    assert.deepEqual(flow.senders, ["a@remote.example"]);
    c.close();
  });

  it("closes a connection kept alive by a slow drip once the session has lasted its maximum (SMTP-38)", async (t) => {
    const { port, flow } = await startTestServer(t, { limits: { idle_timeout_seconds: 1, max_session_seconds: 1.5 } });
    const drip = await SmtpClient.connect(port);
    await drip.cmd("EHLO client.example", "250");
    await drip.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await drip.cmd("RCPT TO:<bob@example.com>", "250 ");
    await drip.cmd("DATA", "354 ");
    const started = Date.now();
    // A byte every 300 ms: never idle for the 1 s idle timeout, but never done either.
    const dripping = setInterval(() => void drip.write("x").catch(() => undefined), 300);
    t.after(() => clearInterval(dripping));
    await drip.expect("421 4.4.2");
    clearInterval(dripping);
    await drip.wire.closed;
    assert.ok(Date.now() - started < 3000, "cut at the session limit, not left to drip");
    assert.equal(flow.messages.length, 0, "the unfinished message is not stored");
  });

  it("says 421 4.4.2 to an idle client, also in the middle of DATA (SMTP-37)", async (t) => {
    const { port } = await startTestServer(t, { limits: { idle_timeout_seconds: 0.2 } });
    const idle = await SmtpClient.connect(port);
    await idle.expect("421 4.4.2");
    await idle.wire.closed;

    const midData = await SmtpClient.connect(port);
    await midData.cmd("EHLO client.example", "250");
    await midData.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await midData.cmd("RCPT TO:<bob@example.com>", "250 ");
    await midData.cmd("DATA", "354 ");
    await midData.write("Subject: slow\r\n");
    await midData.expect("421 4.4.2");
    await midData.wire.closed;
  });

  it("answers 421 4.7.0 to a client over max_connections_per_ip", async (t) => {
    const { port } = await startTestServer(t, { limits: { max_connections_per_ip: 2 } });
    const first = await SmtpClient.connect(port);
    const second = await SmtpClient.connect(port);
    const third = await SmtpClient.connect(port).catch((err: Error) => err);
    assert.ok(third instanceof Error);
    assert.match(third.message, /421 4\.7\.0/);
    first.close();
    second.close();
  });

  it("frees the connection slot as soon as a client has quit", async (t) => {
    const { port } = await startTestServer(t, { limits: { max_connections_per_ip: 1 } });
    /** The server closes its side a moment after the client's: a few quick retries, never a 10 s linger. */
    const connectWhenFree = async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const c = await SmtpClient.connect(port).catch(() => null);
        if (c !== null) return c;
      }
      throw new Error("the connection slot was not freed");
    };
    for (let i = 0; i < 3; i++) {
      const c = await connectWhenFree();
      await c.cmd("EHLO client.example\r\nQUIT\r\nNOOP", "250"); // bytes after QUIT are never read
      await c.expect("221 ");
      await c.wire.closed;
    }
  });

  it("refuses BDAT (no CHUNKING) and closes rather than read its payload as commands", async (t) => {
    const { port, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.write("BDAT 40 LAST\r\nRSET\r\nMAIL FROM:<x@evil.example>\r\n");
    await c.expect("502 5.5.1");
    await c.wire.closed;
    assert.deepEqual(flow.senders, ["a@remote.example"]);
  });

  it("lets a message in progress finish when the server shuts down, then says 421", async (t) => {
    const { port, server, flow } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    await c.cmd("MAIL FROM:<a@remote.example>", "250 ");
    await c.cmd("RCPT TO:<bob@example.com>", "250 ");
    await c.cmd("DATA", "354 ");
    await c.write("Subject: late\r\n\r\n");
    const closing = server.close(5_000);
    await c.cmd("body\r\n.", "250 2.0.0");
    await c.expect("421 4.3.2");
    await c.wire.closed;
    await closing;
    assert.equal(flow.messages.length, 1);
  });

  it("says 421 4.3.2 to idle sessions when the server shuts down", async (t) => {
    const { port, server } = await startTestServer(t);
    const c = await SmtpClient.connect(port);
    await c.cmd("EHLO client.example", "250");
    const closing = server.close(5_000);
    await c.expect("421 4.3.2");
    await c.wire.closed;
    await closing;
  });
});
