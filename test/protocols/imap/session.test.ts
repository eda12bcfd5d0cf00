// The IMAP session over a raw socket: login rules before TLS (RFC 3501 §6.2.3, RFC 2595), the
// limits that end a session with BYE, literal size refused before reading (RFC 7889 TOOBIG),
// bad input answered BAD, and the core commands on the wire (on SQLite and PostgreSQL).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { forEachDialect } from "../../support/stores.js";
import { connectTls, wire } from "../../support/wire.js";
import { alice, message, RawImap, startTestImap } from "./harness.js";

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

const remoteIp = "203.0.113.7";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("login before TLS", () => {
  it("advertises LOGINDISABLED to a remote client and refuses LOGIN and AUTHENTICATE with PRIVACYREQUIRED", async (t) => {
    const { port } = await startTestImap(t, { tls: cert, behindProxy: true });
    const c = await RawImap.connect(port, remoteIp);
    assert.match(c.wire.text, /^\* OK \[CAPABILITY [^\]]*LOGINDISABLED/);
    const caps = await c.cmd("a1", "CAPABILITY");
    assert.match(caps, /STARTTLS/);
    assert.match(caps, /LOGINDISABLED/);
    assert.doesNotMatch(caps, /AUTH=PLAIN/);
    assert.match(await c.cmd("a2", `LOGIN ${alice.address} "${alice.password}"`), /^a2 NO \[PRIVACYREQUIRED\]/m);
    assert.match(await c.cmd("a3", `AUTHENTICATE PLAIN ${b64(`\0${alice.address}\0${alice.password}`)}`), /^a3 NO \[PRIVACYREQUIRED\]/m);

    // After STARTTLS the same client may log in; pipelined plaintext after STARTTLS is dropped.
    await c.wire.write("a4 STARTTLS\r\na5 LOGIN injected x\r\n");
    await c.read((text) => /a4 OK/.test(text));
    const secure = wire(await connectTls(c.wire.socket));
    const s = new RawImap(secure);
    await s.wire.write("b1 CAPABILITY\r\n");
    const caps2 = await s.read((text) => /b1 OK/.test(text));
    assert.match(caps2, /AUTH=PLAIN/);
    assert.doesNotMatch(caps2, /LOGINDISABLED|STARTTLS|a5/);
    await s.wire.write(`b2 AUTHENTICATE PLAIN ${b64(`\0${alice.address}\0${alice.password}`)}\r\n`);
    assert.match(await s.read((text) => /b2 (OK|NO|BAD)/.test(text)), /^b2 OK \[CAPABILITY /m);
  });

  it("lets a loopback client log in without TLS, and answers a wrong password with AUTHENTICATIONFAILED", async (t) => {
    const { port } = await startTestImap(t);
    const c = await RawImap.connect(port);
    assert.match(await c.cmd("a1", `LOGIN ${alice.address} wrong`), /^a1 NO \[AUTHENTICATIONFAILED\] Authentication failed/m);
    await c.wire.write("a2 AUTHENTICATE PLAIN\r\n");
    await c.read((text) => text.startsWith("+ "));
    await c.wire.write(`${b64(`\0${alice.address}\0${alice.password}`)}\r\n`);
    assert.match(await c.read((text) => /a2 (OK|NO)/.test(text)), /^a2 OK/m);
    assert.match(await c.cmd("a3", "SELECT INBOX"), /\* 0 EXISTS[\s\S]*a3 OK \[READ-WRITE\]/);
    await c.cmd("a4", "LOGOUT");
    await c.wire.closed;
    assert.match(c.wire.text, /\* BYE [\s\S]*a4 OK/);
  });
});

describe("limits and bad input", () => {
  it("says BYE after too many commands before login", async (t) => {
    const { port } = await startTestImap(t, { limits: { maxCommandsBeforeLogin: 3 } });
    const c = await RawImap.connect(port);
    for (const tag of ["a1", "a2", "a3"]) await c.cmd(tag, "NOOP");
    await c.wire.write("a4 NOOP\r\n");
    await c.wire.closed;
    assert.match(c.wire.text, /\* BYE Too many commands before login\r\n$/);
  });

  it("answers bad input with BAD and closes after too many invalid commands", async (t) => {
    const { port } = await startTestImap(t, { limits: { maxInvalidCommands: 3 } });
    const c = await RawImap.connect(port);
    assert.match(await c.cmd("a1", "FROBNICATE"), /^a1 BAD /m);
    assert.match(await c.cmd("a2", "SELECT INBOX"), /^a2 BAD .*not allowed in this state/m);
    await c.wire.write("GET / HTTP/1.1\r\n");
    await c.wire.closed;
    assert.match(c.wire.text, /\* BYE Too many invalid commands\r\n$/);
  });

  it("refuses an APPEND literal over the limit before reading it (NO [TOOBIG])", async (t) => {
    const { port } = await startTestImap(t, { limits: { maxMessageBytes: 1000 } });
    const c = await RawImap.connect(port);
    await c.cmd("a1", `LOGIN ${alice.address} "${alice.password}"`);
    assert.match(await c.cmd("a2", "APPEND INBOX {5000}"), /^a2 NO \[TOOBIG\]/m);
    assert.doesNotMatch(c.wire.text, /\+ Ready/);
    // The connection is still in step: a small message goes in.
    await c.wire.write("a3 APPEND INBOX (\\Seen) {14}\r\n");
    await c.read((text) => text.startsWith("+ "));
    assert.match(await c.send("Subject: x\r\n\r\n\r\n", "a3"), /a3 OK \[APPENDUID \d+ 1\]/);
  });
});

forEachDialect((_dialect, open) => {
  describe("commands on the wire", () => {
    it("fetches, stores, searches, copies and expunges", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("First"));
      await backend.mailboxes.append(userId, "INBOX", message("Second", "The quarterly numbers.\r\n"));
      const c = await RawImap.connect(port);
      await c.cmd("a1", `LOGIN ${alice.address} "${alice.password}"`);
      const list = await c.cmd("a2", 'LIST "" "*"');
      assert.match(list, /\* LIST \(\\HasNoChildren\) "\/" "INBOX"/);
      assert.match(list, /\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"/);
      const sel = await c.cmd("a3", "SELECT INBOX");
      assert.match(sel, /\* 2 EXISTS\r\n\* 2 RECENT\r\n\* OK \[UNSEEN 1\]/);
      assert.match(await c.cmd("a4", "FETCH 1:* (UID FLAGS RFC822.SIZE)"), /\* 1 FETCH \(UID 1 FLAGS \(\\Recent\) RFC822\.SIZE \d+\)/);
      const body = await c.cmd("a5", "FETCH 2 BODY[TEXT]");
      assert.match(body, /\* 2 FETCH \(BODY\[TEXT\] \{24\}\r\nThe quarterly numbers\.\r\n FLAGS \(\\Seen \\Recent\)\)/);
      assert.match(await c.cmd("a6", "UID SEARCH BODY quarterly"), /\* SEARCH 2\r\n/);
      assert.match(await c.cmd("a7", "SEARCH UNSEEN"), /\* SEARCH 1\r\n/);
      assert.match(await c.cmd("a8", 'SEARCH SUBJECT "first"'), /\* SEARCH 1\r\n/);
      assert.match(await c.cmd("a9", "STORE 1 +FLAGS (\\Deleted)"), /\* 1 FETCH \(FLAGS \(\\Deleted \\Recent\)\)/);
      assert.match(await c.cmd("b1", "UID COPY 1:2 Archive"), /b1 OK \[COPYUID \d+ 1:2 1:2\]/);
      assert.match(await c.cmd("b2", "COPY 1 Nowhere"), /b2 NO \[TRYCREATE\]/);
      assert.match(await c.cmd("b3", "EXPUNGE"), /\* 1 EXPUNGE\r\nb3 OK/);
      assert.match(await c.cmd("b4", "STATUS Archive (MESSAGES UIDNEXT)"), /\* STATUS "Archive" \(MESSAGES 2 UIDNEXT 3\)/);
      assert.match(await c.cmd("b5", "FETCH 1 (ENVELOPE)"), /ENVELOPE \("Thu, 26 Nov 2026 12:00:00 \+0000" "Second" \(\("Bob" NIL "bob" "example\.net"\)\)/);
    });

    it("tells a session of another session's changes, and wakes IDLE on new mail", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("One"));
      const a = await RawImap.connect(port);
      await a.cmd("a1", `LOGIN ${alice.address} "${alice.password}"`);
      await a.cmd("a2", "SELECT INBOX");
      await backend.mailboxes.setFlags(userId, "INBOX", [[1, 1]], { mode: "add", flags: ["\\Flagged"] });
      await backend.mailboxes.append(userId, "INBOX", message("Two"));
      assert.match(await a.cmd("a3", "NOOP"), /\* 2 EXISTS\r\n\* 2 RECENT\r\n\* 1 FETCH \(FLAGS \(\\Flagged \\Recent\) UID 1\)\r\na3 OK/);
      await a.wire.write("a4 IDLE\r\n");
      await a.read((text) => text.startsWith("+ "));
      await backend.mailboxes.append(userId, "INBOX", message("Three"));
      assert.match(await a.read((text) => text.includes("EXISTS")), /\* 3 EXISTS/);
      await backend.mailboxes.setFlags(userId, "INBOX", [[2, 2]], { mode: "add", flags: ["\\Deleted"] });
      await backend.mailboxes.expunge(userId, "INBOX");
      assert.match(await a.read((text) => text.includes("EXPUNGE")), /\* 2 EXPUNGE/);
      assert.match(await a.send("DONE\r\n", "a4"), /a4 OK IDLE terminated/);
    });
  });
});
