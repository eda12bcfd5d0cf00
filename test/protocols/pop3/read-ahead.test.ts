// RETR and TOP read bodies a batch ahead (core/maildrop/read-ahead.ts): what a client gets must
// not depend on it. A whole maildrop downloaded in order — leading-dot lines, bodies in the blob
// store and inline ones larger than a batch among small ones, one body shared by two messages,
// a DELE'd message ahead of the client — is byte-stuffed as RFC 1939 §3 says, with every RETR as
// long as LIST said. Messages expunged over IMAP during the session: one already read ahead is
// served as read (the maildrop is a snapshot), one not yet read answers -ERR [SYS/TEMP]. Real
// store on both dialects, real POP3 and IMAP listeners, ImapFlow as the IMAP client.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { readAheadOctets } from "../../../src/core/maildrop/read-ahead.js";
import { inlineBodyLimit } from "../../../src/core/mailstore/service.js";
import { forEachDialect } from "../../support/stores.js";
import { message, password, RawPop3, startTestPop3, users } from "./harness.js";

/** What RFC 1939 §3 puts on the wire for `raw` (CRLF lines): each line starting with "." gets one more. */
function stuffed(raw: string): string {
  return raw.replace(/^\./gm, "..");
}

/** A body whose lines start with dots: ".", "..", ".x" and a line that is only ". ". */
function dotted(n: number): string {
  return message(`dots ${n}`, `.\r\n..\r\n.x ${n}\r\nplain\r\n. \r\n.\r\n`);
}

/** A body of `octets` or a little more, no line longer than 998 octets (RFC 5322 §2.1.1). */
function sized(n: number, octets: number): string {
  const line = `${"y".repeat(90)} ${n}\r\n`;
  return message(`sized ${n}`, `.first line of ${n}\r\n${line.repeat(Math.ceil(octets / line.length))}`);
}

forEachDialect((dialect, open) => {
  describe(`POP3 read-ahead on ${dialect}`, () => {
    it("downloads a mixed maildrop in order, byte-stuffed, each RETR as long as LIST said", async (t) => {
      const server = await startTestPop3(t, { open });
      const bodies: string[] = [];
      for (let n = 1; n <= 40; n++) {
        let raw = dotted(n);
        if (n === 7) raw = sized(n, inlineBodyLimit + 10_000); // the blob store
        if (n === 12) raw = sized(n, readAheadOctets + 1_000); // inline, larger than a batch
        if (n === 13 || n === 30) raw = sized(n, 60_000); // two of these fill a batch
        if (n === 21) raw = bodies[19]!; // the same body as message 20
        bodies.push(raw);
        await server.deliver(raw);
      }
      const c = await RawPop3.connect(server.port);
      await c.login();
      const list = (await c.cmdMulti("LIST")).split("\r\n").slice(1, -2);
      assert.deepEqual(
        list,
        bodies.map((raw, i) => `${i + 1} ${raw.length}`),
      );
      assert.equal(await c.cmd("DELE 25"), "+OK Message 25 deleted\r\n");
      for (const [i, raw] of bodies.entries()) {
        const n = i + 1;
        if (n === 25) {
          assert.equal(await c.cmd(`RETR ${n}`), "-ERR Message is deleted\r\n");
          continue;
        }
        const reply = await c.cmdMulti(`RETR ${n}`);
        assert.equal(reply, `+OK ${raw.length} octets\r\n${stuffed(raw)}.\r\n`, `RETR ${n}`);
        if (n === 3) assert.equal(await c.cmdMulti("TOP 4 2"), `+OK ${bodies[3]!.length} octets\r\n${stuffed(bodies[3]!.split("\r\n\r\n")[0]!)}\r\n\r\n..\r\n...\r\n.\r\n`);
      }
      // Asking again, out of order, reads the same bytes.
      assert.equal(await c.cmdMulti("RETR 2"), `+OK ${bodies[1]!.length} octets\r\n${stuffed(bodies[1]!)}.\r\n`);
      assert.equal(await c.cmdMulti("RETR 21"), `+OK ${bodies[20]!.length} octets\r\n${stuffed(bodies[20]!)}.\r\n`);
      assert.equal(await c.cmd("QUIT"), "+OK Moat POP3 signing off (1 messages deleted)\r\n");
    });

    it("answers commands pipelined in one packet in order, whether a body is held, still to be read or DELE'd", async (t) => {
      // RETR and TOP answer a body already read ahead at once and wait for the store otherwise
      // (decision 0029); replies must still come in command order, and DELE must win over a
      // held body. Batches here: RETR 1 reads 1–2, TOP 4 reads 4–7, RETR 4 reads 4–11.
      const server = await startTestPop3(t, { open });
      const bodies: string[] = [];
      for (let n = 1; n <= 20; n++) bodies.push(dotted(n));
      for (const raw of bodies) await server.deliver(raw);
      const c = await RawPop3.connect(server.port);
      await c.login();
      const whole = (n: number) => `+OK ${bodies[n - 1]!.length} octets\r\n${stuffed(bodies[n - 1]!)}.\r\n`;
      const head = (n: number) => `+OK ${bodies[n - 1]!.length} octets\r\n${stuffed(bodies[n - 1]!.split("\r\n\r\n")[0]!)}\r\n\r\n.\r\n`;
      const script: Array<[string, string]> = [
        ["RETR 1", whole(1)],
        ["RETR 2", whole(2)], // held
        ["DELE 3", "+OK Message 3 deleted\r\n"],
        ["RETR 3", "-ERR Message is deleted\r\n"],
        ["TOP 4 0", head(4)],
        ["RETR 4", whole(4)], // TOP read it with 5–7 but did not keep it
        ["DELE 10", "+OK Message 10 deleted\r\n"],
        ["RETR 10", "-ERR Message is deleted\r\n"], // held, but marked
        ["RETR 9", whole(9)], // held, out of order
        ["LIST 5", `+OK 5 ${bodies[4]!.length}\r\n`],
        ["RETR 20", whole(20)], // outside the batch: read alone
        ["RETR 5", whole(5)], // still held
        ["RETR 9", whole(9)], // taken before: read again
        ["RETR 21", "-ERR No such message\r\n"],
        ["NOOP", "+OK\r\n"],
      ];
      await c.wire.write(script.map(([command]) => `${command}\r\n`).join(""));
      for (const [command, reply] of script) {
        const multi = command.startsWith("RETR") || command.startsWith("TOP");
        assert.equal(multi ? await c.multiline() : await c.line(), reply, command);
      }
      assert.equal(c.unread, "");
      assert.equal(await c.cmd("QUIT"), "+OK Moat POP3 signing off (2 messages deleted)\r\n");
    });

    it("serves a message expunged over IMAP if it was read ahead, and -ERR [SYS/TEMP] once its body is gone", async (t) => {
      const server = await startTestPop3(t, { open });
      const bodies = [1, 2, 3, 4, 5, 6, 7, 8].map(dotted);
      for (const raw of bodies) await server.deliver(raw);
      const c = await RawPop3.connect(server.port);
      assert.match(await c.login(), /^\+OK Logged in, 8 messages/);
      // The first batch is messages 1 and 2; 2 is then held.
      assert.equal(await c.cmdMulti("RETR 1"), `+OK ${bodies[0]!.length} octets\r\n${stuffed(bodies[0]!)}.\r\n`);

      const imap = new ImapFlow({ host: "127.0.0.1", port: server.imapPort, secure: false, auth: { user: users.alice, pass: password }, logger: false });
      await imap.connect();
      t.after(() => imap.logout().catch(() => {}));
      const lock = await imap.getMailboxLock("INBOX");
      assert.equal(await imap.messageDelete("2,4:5", { uid: true }), true);
      lock.release();
      assert.deepEqual(
        (await server.mailboxes.messages(server.aliceId, "INBOX")).map((m) => m.uid),
        [1, 3, 6, 7, 8],
      );

      // Read before the expunge: the snapshot's bytes (RFC 1939 §5), as a moment earlier.
      assert.equal(await c.cmdMulti("RETR 2"), `+OK ${bodies[1]!.length} octets\r\n${stuffed(bodies[1]!)}.\r\n`);
      // The next batch starts at 3 and finds neither 4 nor 5.
      assert.equal(await c.cmdMulti("RETR 3"), `+OK ${bodies[2]!.length} octets\r\n${stuffed(bodies[2]!)}.\r\n`);
      assert.equal(await c.cmd("RETR 4"), "-ERR [SYS/TEMP] Message not available\r\n");
      assert.equal(await c.cmd("TOP 5 0"), "-ERR [SYS/TEMP] Message not available\r\n");
      for (const n of [6, 7, 8]) assert.equal(await c.cmdMulti(`RETR ${n}`), `+OK ${bodies[n - 1]!.length} octets\r\n${stuffed(bodies[n - 1]!)}.\r\n`);
      assert.match(await c.cmdMulti("UIDL"), /^\+OK .*\r\n1 0{7}1[0-9A-F]{8}\r\n2 0{7}2/);
    });
  });
});
