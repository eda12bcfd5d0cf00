// LITERAL+ (RFC 7888), MULTIAPPEND (RFC 3502) and ESEARCH (RFC 4731) over a raw socket, on
// SQLite and PostgreSQL. Non-synchronising literals are read without a "+" and, when refused,
// skipped as data: the bytes inside are never run as commands (test plan IMAP-10).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { forEachDialect } from "../../support/stores.js";
import { alice, esearchLine, expectEach, message, RawImap, startTestImap } from "./harness.js";

const msg = (subject: string) => message(subject).toString("latin1");

forEachDialect((_dialect, open) => {
  describe("LITERAL+", () => {
    it("takes non-synchronising literals in LOGIN and APPEND without a continuation", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.connect(port);
      assert.match(await c.cmd("a0", "CAPABILITY"), /LITERAL\+/);
      const password = Buffer.from(alice.password);
      assert.match(await c.send(`a1 LOGIN {${alice.address.length}+}\r\n${alice.address} {${password.length}+}\r\n${alice.password}\r\n`, "a1"), /^a1 OK/m);
      const body = msg("Non-sync");
      const reply = await c.send(`a2 APPEND INBOX (\\Seen $Pipelined) "26-Nov-2026 12:00:00 +0000" {${body.length}+}\r\n${body}\r\n`, "a2");
      assert.match(reply, /^a2 OK \[APPENDUID \d+ 1\]/m);
      assert.doesNotMatch(c.wire.text, /\+ Ready/);
      await c.cmd("a3", "SELECT INBOX");
      assert.match(await c.cmd("a4", "FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), /FLAGS \(\\Seen \$Pipelined \\Recent\) INTERNALDATE "26-Nov-2026 12:00:00 \+0000" BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: Non-sync/);
    });

    it("answers a non-synchronising APPEND over the limit with NO [TOOBIG] and never runs the bytes inside", async (t) => {
      const { port } = await startTestImap(t, { open, limits: { maxMessageBytes: 1000 } });
      const c = await RawImap.login(port);
      const inside = "b1 DELETE Trash\r\n".padEnd(5000, "x");
      assert.match(await c.send(`a1 APPEND INBOX {5000+}\r\n${inside}\r\n`, "a1"), /^a1 NO \[TOOBIG\]/m);
      assert.match(await c.cmd("a2", 'LIST "" Trash'), /\* LIST \([^)]*\) "\/" "?Trash"?/);
      assert.doesNotMatch(c.wire.text, /b1 /);
    });
  });

  describe("MULTIAPPEND", () => {
    it("appends several messages in one command with one APPENDUID set", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      const [a, b, d] = [msg("First"), msg("Second"), msg("Third")];
      const reply = await c.send(`a1 APPEND Archive {${a.length}+}\r\n${a} (\\Flagged) {${b.length}+}\r\n${b} {${d.length}+}\r\n${d}\r\n`, "a1");
      assert.match(reply, /^a1 OK \[APPENDUID \d+ 1:3\]/m);
      await c.cmd("a2", "SELECT Archive");
      assert.match(await c.cmd("a3", "FETCH 1:3 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), /Subject: First[\s\S]*FLAGS \(\\Flagged \\Recent\)[^\r]*\r\nSubject: Second[\s\S]*Subject: Third/);
    });

    it("stores none of the messages when one of them cannot be stored", async (t) => {
      const { port } = await startTestImap(t, { open, quotaBytes: 400 });
      const c = await RawImap.login(port);
      const [a, big] = [msg("Fits"), message("Too much", "z".repeat(600)).toString("latin1")];
      assert.match(await c.send(`a1 APPEND INBOX {${a.length}+}\r\n${a} {${big.length}+}\r\n${big}\r\n`, "a1"), /^a1 NO \[OVERQUOTA\]/m);
      assert.match(await c.cmd("a2", "STATUS INBOX (MESSAGES UIDNEXT)"), /MESSAGES 0 UIDNEXT 1\)/);
      // A bad flag in the second message is refused before anything is stored.
      assert.match(await c.send(`a3 APPEND INBOX {${a.length}+}\r\n${a} (\\Bogus) {${a.length}+}\r\n${a}\r\n`, "a3"), /^a3 (BAD|NO) /m);
      assert.match(await c.cmd("a4", "STATUS INBOX (MESSAGES)"), /MESSAGES 0\)/);
      assert.match(await c.send(`a5 APPEND Nowhere {${a.length}+}\r\n${a} {${a.length}+}\r\n${a}\r\n`, "a5"), /^a5 NO \[TRYCREATE\]/m);
    });
  });

  describe("ESEARCH", () => {
    it("answers SEARCH RETURN with one ESEARCH line carrying the tag", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (const s of ["Alpha", "Beta", "Gamma", "Delta"]) await backend.mailboxes.append(userId, "INBOX", message(s));
      const c = await RawImap.login(port);
      await c.cmd("a0", "SELECT INBOX");
      await c.cmd("a1", "STORE 2,4 +FLAGS (\\Flagged)");
      assert.match(await c.cmd("a2", "SEARCH RETURN (MIN MAX COUNT) FLAGGED"), /^\* ESEARCH \(TAG "a2"\) MIN 2 MAX 4 COUNT 2\r\na2 OK/m);
      assert.match(await c.cmd("a3", "UID SEARCH RETURN () ALL"), /^\* ESEARCH \(TAG "a3"\) UID ALL 1:4\r\n/m);
      assert.match(await c.cmd("a4", "SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT nothing"), /^\* ESEARCH \(TAG "a4"\) COUNT 0\r\n/m);
      assert.match(await c.cmd("a5", "SEARCH RETURN (ALL) MODSEQ 1"), /^\* ESEARCH \(TAG "a5"\) ALL 1:4 MODSEQ \d+\r\n/m);
      assert.match(await c.cmd("a6", "SEARCH RETURN (BOGUS) ALL"), /^a6 BAD /m);
      assert.match(await c.cmd("a7", "SEARCH FLAGGED"), /^\* SEARCH 2 4\r\n/m);
    });

    it("answers as imaptest's esearch and esearch-condstore scripts expect", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (let i = 1; i <= 7; i++) await backend.mailboxes.append(userId, "INBOX", message(`M${i}`));
      const c = await RawImap.login(port);
      await c.cmd("a0", "SELECT INBOX");
      await c.cmd("a1", "STORE 4 +FLAGS (\\Deleted)");
      await c.cmd("a2", "EXPUNGE");
      const cases: [string, string][] = [
        ["SEARCH RETURN (ALL) ALL", "ALL 1:6"],
        ["SEARCH RETURN (COUNT) ALL", "COUNT 6"],
        ["UID SEARCH RETURN () ALL", "UID ALL 1:3,5:7"],
        ["UID SEARCH RETURN (MAX) ALL", "UID MAX 7"],
        ["SEARCH RETURN () 1000", ""],
        ["SEARCH RETURN (MIN) 1000", ""],
        ["SEARCH RETURN (COUNT) 1000", "COUNT 0"],
        ["UID SEARCH RETURN (MAX) 1000", "UID"],
      ];
      await expectEach(c, "e", cases, esearchLine);
      // MODSEQ: the highest of the messages returned; of MIN and MAX alone when only they are asked for.
      // FETCH MODSEQ turns CONDSTORE on and reports HIGHESTMODSEQ once (RFC 7162 §3.1).
      assert.match(await c.cmd("h1", "FETCH 1 MODSEQ"), /^\* OK \[HIGHESTMODSEQ \d+\][^\r]*\r\n\* 1 FETCH \(MODSEQ \(\d+\)\)\r\n/m);
      assert.doesNotMatch(await c.cmd("h2", "FETCH 1 MODSEQ"), /HIGHESTMODSEQ/);
      const modseq: number[] = [];
      for (const seq of [1, 3, 2, 4]) {
        const reply = await c.cmd(`m${seq}`, `STORE ${seq} +FLAGS (\\Seen)`);
        modseq[seq] = Number(/MODSEQ \((\d+)\)/.exec(reply)?.[1]);
      }
      const q = (set: string, since: number | string) => `SEARCH RETURN %R ${set} MODSEQ "/flags/\\\\seen" all ${since}`;
      const conds: [string, string][] = [
        [q("1:3", 1).replace("%R", "(MIN)"), `MIN 1 MODSEQ ${modseq[1]}`],
        [q("1:3", 1).replace("%R", "(MAX)"), `MAX 3 MODSEQ ${modseq[3]}`],
        [q("1:3", 1).replace("%R", "()"), `ALL 1:3 MODSEQ ${modseq[2]}`],
        [q("2:3", 1).replace("%R", "(MIN MAX)"), `MIN 2 MAX 3 MODSEQ ${modseq[2]}`],
        [q("2:3", modseq[2]!).replace("%R", "(ALL)"), `ALL 2 MODSEQ ${modseq[2]}`],
        [q("2:3", modseq[4]!).replace("%R", "(ALL)"), ""],
      ];
      await expectEach(c, "c", conds, esearchLine);
    });

    it("serves imapflow's search", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (const s of ["Alpha", "Beta"]) await backend.mailboxes.append(userId, "INBOX", message(s));
      const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
      await c.connect();
      t.after(() => c.close());
      await c.mailboxOpen("INBOX");
      assert.deepEqual(await c.search({ subject: "beta" }, { uid: true }), [2]);
      assert.deepEqual(await c.search({ all: true }), [1, 2]);
      await c.logout();
    });
  });
});
