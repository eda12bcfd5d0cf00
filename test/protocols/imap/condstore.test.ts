// CONDSTORE and QRESYNC (RFC 7162) over a raw socket, on SQLite and PostgreSQL: HIGHESTMODSEQ
// in SELECT and STATUS, FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE answered with [MODIFIED],
// SEARCH MODSEQ, and QRESYNC's SELECT that reports VANISHED (EARLIER) and changed flags, and
// VANISHED in place of EXPUNGE once enabled. The wire examples follow RFC 7162 §3.1 and §3.2.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap, type ImapTestServer } from "./harness.js";

async function threeMessages(server: ImapTestServer): Promise<void> {
  for (const subject of ["One", "Two", "Three"]) await server.backend.mailboxes.append(server.userId, "INBOX", message(subject));
}

function number(reply: string, pattern: RegExp): number {
  const m = pattern.exec(reply);
  assert.ok(m, `${pattern} in ${reply}`);
  return Number(m[1]);
}

forEachDialect((_dialect, open) => {
  describe("CONDSTORE", () => {
    it("reports HIGHESTMODSEQ, fetches what changed since a MODSEQ and searches by MODSEQ", async (t) => {
      const server = await startTestImap(t, { open });
      await threeMessages(server);
      const c = await RawImap.login(server.port);
      const sel = await c.cmd("a1", "SELECT INBOX (CONDSTORE)");
      const highest = number(sel, /\* OK \[HIGHESTMODSEQ (\d+)\]/);
      assert.match(await c.cmd("a2", "STATUS INBOX (HIGHESTMODSEQ MESSAGES)"), new RegExp(`HIGHESTMODSEQ ${highest} MESSAGES 3\\)`));
      const stored = await c.cmd("a3", "STORE 2 +FLAGS (\\Flagged)");
      const modseq = number(stored, /\* 2 FETCH \(FLAGS \([^)]*\) MODSEQ \((\d+)\)\)/);
      assert.ok(modseq > highest);
      const changed = await c.cmd("a4", `FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`);
      assert.match(changed, new RegExp(`^\\* 2 FETCH \\(FLAGS \\(\\\\Flagged \\\\Recent\\) MODSEQ \\(${modseq}\\)\\)\\r\\na4 OK`, "m"));
      assert.match(await c.cmd("a5", `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq})`), /^a5 OK/m);
      assert.doesNotMatch(c.wire.text.split("a4 OK")[1]!, /\* \d+ FETCH/);
      assert.match(await c.cmd("a6", "FETCH 3 (MODSEQ)"), /^\* 3 FETCH \(MODSEQ \(\d+\)\)/m);
      assert.match(await c.cmd("a7", `SEARCH MODSEQ ${highest + 1}`), new RegExp(`^\\* SEARCH 2 \\(MODSEQ ${modseq}\\)\\r\\n`, "m"));
      assert.match(await c.cmd("a8", "STATUS INBOX (HIGHESTMODSEQ)"), new RegExp(`HIGHESTMODSEQ ${modseq}\\)`));
      // A FETCH that sets \Seen reports the new FLAGS with their MODSEQ (RFC 7162 §3.1.4).
      assert.match(await c.cmd("b1", "FETCH 1 BODY[TEXT]"), /^\* 1 FETCH \(BODY\[TEXT\] \{\d+\}\r\n[^\r]*\r\n FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)/m);
      // CHANGEDSINCE 0 (clients use it to read every MODSEQ, as Dovecot allows) returns all.
      assert.equal((await c.cmd("a9", "FETCH 1:* (FLAGS) (CHANGEDSINCE 0)")).match(/MODSEQ \(\d+\)\)/g)?.length, 3);
    });

    it("turns CONDSTORE on with STATUS HIGHESTMODSEQ or FETCH MODSEQ, telling HIGHESTMODSEQ once", async (t) => {
      const server = await startTestImap(t, { open });
      await threeMessages(server);
      const c = await RawImap.login(server.port);
      assert.doesNotMatch(await c.cmd("a1", "SELECT INBOX"), /HIGHESTMODSEQ \d+\][^\r]*\r\n[\s\S]*HIGHESTMODSEQ/);
      assert.doesNotMatch(await c.cmd("a2", "STORE 1 +FLAGS (\\Seen)"), /MODSEQ/);
      const status = await c.cmd("a3", "STATUS INBOX (HIGHESTMODSEQ)");
      assert.match(status, /^\* OK \[HIGHESTMODSEQ \d+\][^\r]*\r\n\* STATUS "?INBOX"? \(HIGHESTMODSEQ \d+\)\r\n/m);
      assert.match(await c.cmd("a4", "STORE 2 +FLAGS (\\Seen)"), /^\* 2 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)/m);
      assert.doesNotMatch(await c.cmd("a5", "FETCH 1 MODSEQ"), /HIGHESTMODSEQ/);
    });

    it("refuses STORE UNCHANGEDSINCE on messages changed since, with [MODIFIED], and applies it to the rest", async (t) => {
      const server = await startTestImap(t, { open });
      await threeMessages(server);
      const c = await RawImap.login(server.port);
      const highest = number(await c.cmd("a1", "SELECT INBOX (CONDSTORE)"), /\[HIGHESTMODSEQ (\d+)\]/);
      // Another client changes message 2 after this one read the MODSEQ.
      const other = await RawImap.login(server.port);
      await other.cmd("b1", "SELECT INBOX");
      await other.cmd("b2", "STORE 2 +FLAGS (\\Answered)");
      const reply = await c.cmd("a2", `STORE 1:3 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Seen)`);
      assert.match(reply, /^a2 OK \[MODIFIED 2\]/m);
      assert.match(reply, /\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)/);
      assert.match(reply, /\* 3 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)/);
      assert.doesNotMatch(reply, /\* 2 FETCH \(FLAGS \([^)]*\\Seen/);
      // RFC 7162 §3.1.3: UNCHANGEDSINCE 0 always fails (every MODSEQ is above 0).
      assert.match(await c.cmd("a3", "UID STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Flagged)"), /^a3 OK \[MODIFIED 1:3\]/m);
      assert.match(await c.cmd("a4", "FETCH 2 (FLAGS)"), /\* 2 FETCH \(FLAGS \(\\Answered \\Recent\)/);
    });
  });

  describe("QRESYNC", () => {
    it("resynchronises on SELECT with VANISHED (EARLIER) and the flags changed since the client's MODSEQ", async (t) => {
      const server = await startTestImap(t, { open });
      await threeMessages(server);
      const c = await RawImap.login(server.port);
      assert.match(await c.cmd("a1", "ENABLE QRESYNC"), /\* ENABLED QRESYNC/);
      const sel = await c.cmd("a2", "SELECT INBOX");
      const uidValidity = number(sel, /\[UIDVALIDITY (\d+)\]/);
      const highest = number(sel, /\[HIGHESTMODSEQ (\d+)\]/);
      await c.cmd("a3", "UNSELECT");
      // While this client is away, another expunges message 1 and flags message 3.
      await server.backend.mailboxes.setFlags(server.userId, "INBOX", [[1, 1]], { mode: "add", flags: ["\\Deleted"] });
      await server.backend.mailboxes.expunge(server.userId, "INBOX");
      await server.backend.mailboxes.setFlags(server.userId, "INBOX", [[3, 3]], { mode: "add", flags: ["$Important"] });
      const resync = await c.cmd("a4", `SELECT INBOX (QRESYNC (${uidValidity} ${highest}))`);
      assert.match(resync, /^\* VANISHED \(EARLIER\) 1\r\n/m);
      assert.match(resync, /^\* 2 FETCH \(UID 3 FLAGS \(\$Important\) MODSEQ \(\d+\)\)\r\n/m);
      assert.doesNotMatch(resync, /FETCH \(UID 2 /);
      assert.match(resync, /\* 2 EXISTS/);
      // A stale UIDVALIDITY gets no resync data, only the plain SELECT answer (§3.2.5.2).
      const stale = await c.cmd("a5", `SELECT INBOX (QRESYNC (${uidValidity + 1} ${highest}))`);
      assert.match(stale, /^\* OK \[CLOSED\]/m);
      assert.doesNotMatch(stale, /VANISHED|FETCH/);
      // Only the UIDs the client says it knows are reported.
      const known = await c.cmd("a6", `EXAMINE INBOX (QRESYNC (${uidValidity} ${highest} 2:3))`);
      assert.doesNotMatch(known, /VANISHED/);
      const fetched = await c.cmd("a7", `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest} VANISHED)`);
      assert.match(fetched, /^\* VANISHED \(EARLIER\) 1\r\n\* 2 FETCH \(UID 3 FLAGS \(\$Important\) MODSEQ \(\d+\)\)\r\na7 OK/m);
    });

    it("reports expunges as VANISHED once QRESYNC is enabled, also to other sessions", async (t) => {
      const server = await startTestImap(t, { open });
      await threeMessages(server);
      const c = await RawImap.login(server.port);
      await c.cmd("a1", "ENABLE QRESYNC");
      await c.cmd("a2", "SELECT INBOX");
      const plain = await RawImap.login(server.port);
      await plain.cmd("b1", "SELECT INBOX");
      assert.match(await c.cmd("a3", "STORE 1:2 +FLAGS (\\Deleted)"), /^\* 1 FETCH \(FLAGS \([^)]*\) UID 1 MODSEQ \(\d+\)\)\r\n/m);
      const expunged = await c.cmd("a4", "EXPUNGE");
      assert.match(expunged, /^\* VANISHED 1:2\r\na4 OK/m);
      assert.doesNotMatch(expunged, /EXPUNGE\r\n/);
      assert.match(await plain.cmd("b2", "NOOP"), /\* 1 EXPUNGE\r\n\* 1 EXPUNGE\r\n/);
      await plain.cmd("b3", "STORE 1 +FLAGS.SILENT (\\Deleted)");
      await plain.cmd("b4", "EXPUNGE");
      assert.match(await c.cmd("a5", "NOOP"), /^\* VANISHED 3\r\na5 OK/m);
    });

    it("answers a QRESYNC SELECT without ENABLE QRESYNC with BAD", async (t) => {
      const server = await startTestImap(t, { open });
      const c = await RawImap.login(server.port);
      assert.match(await c.cmd("a1", "SELECT INBOX (QRESYNC (1 1))"), /^a1 BAD /m);
    });
  });
});
