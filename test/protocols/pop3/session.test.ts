// The POP3 session over raw sockets against the real server and core (SQLite): states,
// every bad input and limit of issue 5, STLS, denials for each reason authenticate() gives,
// the maildrop lock, and DELE/QUIT versus a dropped connection. The store paths run on both
// dialects in clients.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectTls, wire } from "../../support/wire.js";
import { selfSignedCert } from "../../support/self-signed.js";
import { message, password, RawPop3, startTestPop3, users } from "./harness.js";

describe("POP3 AUTHORIZATION state", () => {
  it("greets, lists capabilities without APOP, and refuses transaction commands before login", async (t) => {
    const { port } = await startTestPop3(t);
    const c = await RawPop3.connect(port);
    const capa = await c.cmdMulti("CAPA");
    assert.match(capa, /^\+OK .*\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION Moat\r\n\.\r\n$/);
    assert.doesNotMatch(capa, /APOP|STLS/); // no certificate here, so no STLS
    assert.equal(await c.cmd("STAT"), "-ERR STAT is not allowed in this state\r\n");
    assert.equal(await c.cmd("RETR 1"), "-ERR RETR is not allowed in this state\r\n");
    assert.equal(await c.cmd("APOP alice@example.com c4c9334bac560ecc979e58001b3e22fb"), "-ERR Unknown command\r\n");
    assert.equal(await c.cmd("PASS secret"), "-ERR Send USER first\r\n");
    assert.equal(await c.cmd("QUIT"), "+OK Moat POP3 signing off\r\n");
    await c.closed;
  });

  it("refuses USER, PASS and AUTH off TLS from a remote address without checking anything (POP-01)", async (t) => {
    const { port, store } = await startTestPop3(t, { behindProxy: true, tls: selfSignedCert(t) });
    const c = await RawPop3.connect(port, "203.0.113.5");
    const capa = await c.cmdMulti("CAPA");
    assert.match(capa, /\r\nSTLS\r\n/);
    assert.doesNotMatch(capa, /\r\nUSER\r\n|SASL/);
    const refused = "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS first\r\n";
    assert.equal(await c.cmd(`USER ${users.alice}`), refused);
    assert.equal(await c.cmd(`PASS ${password}`), refused);
    assert.equal(await c.cmd(`AUTH PLAIN ${Buffer.from(`\0${users.alice}\0${password}`).toString("base64")}`), refused);
    assert.deepEqual(await store.loginRecords.list({ limit: 10 }), [], "no credentials were checked");
  });

  it("drops commands pipelined after STLS and starts over under TLS (POP-02)", async (t) => {
    const { port } = await startTestPop3(t, { behindProxy: true, tls: selfSignedCert(t) });
    const c = await RawPop3.connect(port, "203.0.113.6");
    await c.wire.write(`STLS\r\nUSER ${users.alice}\r\n`);
    assert.equal(await c.line(), "+OK Begin TLS negotiation now\r\n");
    const secure = new RawPop3(wire(await connectTls(c.wire.socket)));
    const capa = await secure.cmdMulti("CAPA");
    assert.match(capa, /^\+OK Capability list follows\r\n/, "the plaintext USER was not run");
    assert.match(capa, /\r\nUSER\r\n/);
    assert.doesNotMatch(capa, /STLS/);
    assert.equal(await secure.cmd(`PASS ${password}`), "-ERR Send USER first\r\n");
    assert.match(await secure.login(), /^\+OK Logged in, 0 messages/);
    assert.equal(await secure.cmd("STLS"), "-ERR STLS is not allowed in this state\r\n");
  });

  it("serves implicit TLS (995) with logins allowed from the first command", async (t) => {
    const { port } = await startTestPop3(t, { implicitTls: true, tls: selfSignedCert(t) });
    const raw = await connectTls(port);
    const c = new RawPop3(wire(raw));
    assert.match(await c.line(), /^\+OK pop\.example\.com Moat POP3 ready\r\n$/);
    assert.match(await c.login(), /^\+OK Logged in/);
  });
});

describe("POP3 login denials", () => {
  it("answers a wrong password and an unknown account alike with [AUTH], and a suspended account after its password", async (t) => {
    const { port, store } = await startTestPop3(t);
    const c = await RawPop3.connect(port);
    const failed = "-ERR [AUTH] Authentication failed\r\n";
    assert.equal(await c.login(users.alice, "wrong password"), failed);
    assert.equal(await c.login("nobody@example.com", "wrong password"), failed);
    const d = await RawPop3.connect(port);
    assert.equal(await d.login(users.carol, password), "-ERR [AUTH] This account is suspended; contact your administrator\r\n");
    const reasons = (await store.loginRecords.list({ limit: 10 })).map((r) => [r.channel, r.reason]).reverse();
    assert.deepEqual(reasons, [["pop3", "invalid_credentials"], ["pop3", "unknown_account"], ["pop3", "account_suspended"]]);
  });

  it("answers a throttled account with [SYS/TEMP] without checking the password", async (t) => {
    const { port, store } = await startTestPop3(t, { blockAfterFailures: 2, limits: { maxAuthFailures: 10 } });
    const c = await RawPop3.connect(port);
    assert.match(await c.login(users.dave, "bad one"), /^-ERR \[AUTH\] /);
    assert.match(await c.login(users.dave, "bad two"), /^-ERR \[AUTH\] /);
    assert.equal(await c.login(users.dave, password), "-ERR [SYS/TEMP] Too many failed logins; try again later\r\n");
    assert.equal((await store.loginRecords.list({ limit: 1 }))[0]!.reason, "throttled");
  });

  it("closes the connection after three failed logins", async (t) => {
    const { port } = await startTestPop3(t);
    const c = await RawPop3.connect(port);
    for (let i = 0; i < 3; i++) assert.match(await c.login(users.alice, `wrong ${i}`), /^-ERR \[AUTH\] /);
    await c.closed;
  });

  it("runs AUTH PLAIN with an initial response, with a continuation, and cancels on *", async (t) => {
    const { port } = await startTestPop3(t);
    const token = (authz: string, user: string, pass: string) => Buffer.from(`${authz}\0${user}\0${pass}`).toString("base64");
    const c = await RawPop3.connect(port);
    assert.equal(await c.cmdMulti("AUTH"), "+OK Supported mechanisms follow\r\nPLAIN\r\n.\r\n");
    assert.equal(await c.cmd("AUTH CRAM-MD5"), "-ERR Unsupported authentication mechanism\r\n");
    assert.equal(await c.cmd("AUTH PLAIN"), "+ \r\n");
    assert.equal(await c.cmd("*"), "-ERR Authentication cancelled\r\n");
    assert.equal(await c.cmd("AUTH PLAIN ="), "-ERR Invalid PLAIN response\r\n");
    assert.equal(await c.cmd("AUTH PLAIN not*base64"), "-ERR Invalid base64 in the response\r\n");
    assert.equal(await c.cmd(`AUTH PLAIN ${token("bob@example.com", users.alice, password)}`), "-ERR [AUTH] Authorization identity not permitted\r\n");
    assert.equal(await c.cmd("AUTH PLAIN"), "+ \r\n");
    assert.match(await c.cmd(token("", users.alice, password)), /^\+OK Logged in/);
    const d = await RawPop3.connect(port);
    assert.equal(await d.cmd(`AUTH PLAIN ${token(users.dave, users.dave, password)}`), "+OK Logged in, 0 messages (0 octets)\r\n");
  });
});

describe("POP3 TRANSACTION state", () => {
  it("lists, reads, tops, marks and unmarks messages, and refuses numbers out of range", async (t) => {
    const server = await startTestPop3(t);
    const first = message("first", "line one\r\n.dotted\r\n");
    await server.deliver(first);
    await server.deliver(message("second"));
    const c = await RawPop3.connect(server.port);
    assert.equal(await c.login(), `+OK Logged in, 2 messages (${first.length + message("second").length} octets)\r\n`);
    assert.equal(await c.cmd("STAT"), `+OK 2 ${first.length + message("second").length}\r\n`);
    assert.equal(await c.cmd("LIST 1"), `+OK 1 ${first.length}\r\n`);
    assert.match(await c.cmdMulti("LIST"), /^\+OK 2 messages \(\d+ octets\)\r\n1 \d+\r\n2 \d+\r\n\.\r\n$/);
    assert.match(await c.cmdMulti("UIDL"), /^\+OK .*\r\n1 [0-9A-F]{16}\r\n2 [0-9A-F]{16}\r\n\.\r\n$/);
    assert.equal(await c.cmdMulti("RETR 1"), `+OK ${first.length} octets\r\n${first.replace("\r\n.dotted", "\r\n..dotted")}.\r\n`);
    assert.match(await c.cmdMulti("TOP 1 0"), /Subject: first\r\nDate: [^\r]*\r\nMessage-ID: [^\r]*\r\n\r\n\.\r\n$/);
    assert.match(await c.cmdMulti("TOP 1 1"), /\r\n\r\nline one\r\n\.\r\n$/);
    for (const [line, reply] of [
      ["RETR 3", "-ERR No such message"],
      ["RETR 0", "-ERR No such message"],
      ["LIST 99999", "-ERR No such message"],
      ["RETR -1", "-ERR Invalid message number"],
      ["RETR x", "-ERR Invalid message number"],
      ["RETR", "-ERR Syntax: RETR msg"],
      ["TOP 1", "-ERR Syntax: TOP msg n"],
      ["TOP 1 -5", "-ERR Syntax: TOP msg n"],
      ["USER alice", "-ERR USER is not allowed in this state"],
      ["DELE 2", "+OK Message 2 deleted"],
      ["DELE 2", "-ERR Message is deleted"],
      ["RETR 2", "-ERR Message is deleted"],
      ["STAT", `+OK 1 ${first.length}`],
      ["RSET", `+OK 2 messages (${first.length + message("second").length} octets)`],
      ["NOOP", "+OK"],
    ]) {
      assert.equal(await c.cmd(line!), `${reply}\r\n`, line);
    }
    assert.equal(await c.cmd("LIST 2"), `+OK 2 ${message("second").length}\r\n`);
  });

  it("answers unknown commands, NUL bytes and too-long lines with -ERR, then closes after ten (POP-09)", async (t) => {
    const { port } = await startTestPop3(t);
    const c = await RawPop3.connect(port);
    assert.equal(await c.cmd("XYZZY"), "-ERR Unknown command\r\n");
    assert.equal(await c.cmd("GET / HTTP/1.1"), "-ERR Unknown command\r\n");
    assert.equal(await c.cmd("USER a\0b"), "-ERR Invalid characters in command\r\n");
    assert.equal(await c.cmd(`LIST ${"1".repeat(300)}`), "-ERR Line too long\r\n");
    assert.equal(await c.cmd("NOOP"), "-ERR NOOP is not allowed in this state\r\n");
    assert.match(await c.cmdMulti("CAPA"), /^\+OK /, "the session goes on after a bad line");
    for (let i = 0; i < 4; i++) assert.equal(await c.cmd("BOGUS"), "-ERR Unknown command\r\n");
    await c.wire.write("BOGUS\r\n");
    await c.closed;
    assert.ok(c.unread.endsWith("-ERR Unknown command\r\n-ERR Too many invalid commands\r\n"), c.unread);
  });

  it("never buffers a line without an end: a megabyte without LF is refused once, then the session goes on", async (t) => {
    const { port } = await startTestPop3(t);
    const c = await RawPop3.connect(port);
    await c.wire.write(Buffer.alloc(1024 * 1024, 0x41));
    assert.equal(await c.line(), "-ERR Line too long\r\n");
    // The CRLF ends the long line (dropped with it); the next line is a command again.
    assert.match(await c.cmdMulti("\r\nCAPA"), /^\+OK Capability list follows\r\n/);
  });
});

describe("POP3 pipelining and backpressure", () => {
  it("answers 40 pipelined RETRs of a 200 KB message in order, without holding them all back (RFC 2449 PIPELINING)", async (t) => {
    const server = await startTestPop3(t);
    const big = message("big", `${"x".repeat(998)}\r\n`.repeat(200));
    await server.deliver(big);
    const c = await RawPop3.connect(server.port);
    await c.login();
    await c.wire.write("RETR 1\r\n".repeat(40) + "NOOP\r\n");
    for (let i = 0; i < 40; i++) assert.equal((await c.multiline()).length, `+OK ${big.length} octets\r\n`.length + big.length + 3);
    assert.equal(await c.line(), "+OK\r\n");
  });
});

describe("POP3 maildrop: lock, UPDATE state and the end of a session", () => {
  it("gives a second session [IN-USE] while one holds the maildrop, and the lock goes with the connection (POP-05)", async (t) => {
    const server = await startTestPop3(t);
    await server.deliver(message("one"));
    const a = await RawPop3.connect(server.port);
    assert.match(await a.login(), /^\+OK Logged in/);
    const b = await RawPop3.connect(server.port);
    assert.equal(await b.login(), "-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n");
    a.drop();
    await a.closed;
    // The server learns of the drop a moment later: retry until the lock is gone.
    for (;;) {
      const reply = await b.login();
      if (!reply.includes("IN-USE")) {
        assert.match(reply, /^\+OK Logged in, 1 messages/);
        break;
      }
    }
  });

  it("commits nothing when the connection drops after DELE (POP-03), and everything at QUIT", async (t) => {
    const server = await startTestPop3(t);
    for (const s of ["one", "two", "three"]) await server.deliver(message(s));
    const a = await RawPop3.connect(server.port);
    await a.login();
    assert.equal(await a.cmd("DELE 1"), "+OK Message 1 deleted\r\n");
    assert.equal(await a.cmd("DELE 2"), "+OK Message 2 deleted\r\n");
    a.drop();
    const uids = async () => (await server.mailboxes.messages(server.aliceId, "INBOX")).map((m) => m.uid);
    let b: RawPop3;
    for (;;) {
      b = await RawPop3.connect(server.port);
      const reply = await b.login();
      if (!reply.includes("IN-USE")) break;
    }
    assert.deepEqual(await uids(), [1, 2, 3]);
    assert.equal(await b.cmd("DELE 1"), "+OK Message 1 deleted\r\n");
    assert.equal(await b.cmd("DELE 3"), "+OK Message 3 deleted\r\n");
    assert.equal(await b.cmd("QUIT"), "+OK Moat POP3 signing off (2 messages deleted)\r\n");
    assert.deepEqual(await uids(), [2], "the deletions are committed before the +OK");
  });

  it("ends the session without UPDATE when its credential is revoked", async (t) => {
    const server = await startTestPop3(t);
    await server.deliver(message("one"));
    const c = await RawPop3.connect(server.port);
    await c.login();
    assert.equal(await c.cmd("DELE 1"), "+OK Message 1 deleted\r\n");
    assert.equal(server.live.endWhere(server.aliceId, () => true), 1);
    await c.closed;
    assert.equal(c.unread, "-ERR Logged out: the credential of this session was revoked\r\n");
    assert.equal((await server.mailboxes.messages(server.aliceId, "INBOX")).length, 1);
  });

  it("logs out an idle client without UPDATE (POP-07)", async (t) => {
    const server = await startTestPop3(t, { limits: { idleTimeoutMs: 300 } });
    await server.deliver(message("one"));
    const c = await RawPop3.connect(server.port);
    await c.login();
    assert.equal(await c.cmd("DELE 1"), "+OK Message 1 deleted\r\n");
    await c.closed;
    assert.equal(c.unread, "-ERR Autologout; idle for too long\r\n");
    assert.equal((await server.mailboxes.messages(server.aliceId, "INBOX")).length, 1);
  });
});
