// \Recent for mail that arrives during a session (RFC 3501 §2.3.2: exactly one session, the
// first told of the message, sees it as recent) and keywords in FLAGS and PERMANENTFLAGS
// (§7.1, §7.2.6: the keywords in use and \* for new ones), on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { forEachDialect } from "../../support/stores.js";
import { alice, message, RawImap, startTestImap } from "./harness.js";

forEachDialect((_dialect, open) => {
  describe("\\Recent for new mail", () => {
    it("gives a message that arrives while two sessions are selected to the first that reports it", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Old"));
      const a = await RawImap.login(port);
      const b = await RawImap.login(port);
      assert.match(await a.cmd("a1", "SELECT INBOX"), /\* 1 RECENT/);
      assert.match(await b.cmd("b1", "SELECT INBOX"), /\* 0 RECENT/);
      await backend.mailboxes.append(userId, "INBOX", message("New"));
      assert.match(await b.cmd("b2", "NOOP"), /^\* 2 EXISTS\r\n\* 1 RECENT\r\nb2 OK/m);
      assert.match(await a.cmd("a2", "NOOP"), /^\* 2 EXISTS\r\n\* 1 RECENT\r\na2 OK/m);
      assert.match(await b.cmd("b3", "FETCH 2 FLAGS"), /\* 2 FETCH \(FLAGS \(\\Recent\)\)/);
      assert.match(await a.cmd("a3", "FETCH 1:2 FLAGS"), /\* 1 FETCH \(FLAGS \(\\Recent\)\)\r\n\* 2 FETCH \(FLAGS \(\)\)/);
      assert.match(await b.cmd("b4", "SEARCH RECENT"), /\* SEARCH 2\r\n/);
      assert.match(await a.cmd("a4", "SEARCH RECENT"), /\* SEARCH 1\r\n/);
      // A later session sees nothing recent: both messages were claimed.
      const c = await RawImap.login(port);
      assert.match(await c.cmd("c1", "STATUS INBOX (RECENT)"), /RECENT 0\)/);
      assert.match(await c.cmd("c2", "SELECT INBOX"), /\* 0 RECENT/);
    });

    it("claims the message for the session that is idling when it arrives", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      const idler = await RawImap.login(port);
      await idler.cmd("a1", "SELECT INBOX");
      const examiner = await RawImap.login(port);
      await examiner.cmd("b1", "EXAMINE INBOX");
      await idler.wire.write("a2 IDLE\r\n");
      await idler.read((text) => text.startsWith("+ "));
      await backend.mailboxes.append(userId, "INBOX", message("During IDLE"));
      assert.match(await idler.read((text) => text.includes("RECENT")), /\* 1 EXISTS\r\n\* 1 RECENT\r\n/);
      await idler.send("DONE\r\n", "a2");
      assert.match(await examiner.cmd("b2", "NOOP"), /\* 1 EXISTS\r\n\* 0 RECENT\r\n/);
      assert.match(await idler.cmd("a3", "FETCH 1 FLAGS"), /\(FLAGS \(\\Recent\)\)/);
    });
  });

  describe("keywords", () => {
    it("lists the keywords in use in FLAGS and PERMANENTFLAGS, with \\*, and announces a new one", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Tagged"), ["$Label1", "\\Seen"]);
      await backend.mailboxes.append(userId, "INBOX", message("Plain"));
      const a = await RawImap.login(port);
      const sel = await a.cmd("a1", "SELECT INBOX");
      assert.match(sel, /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Label1\)\r\n/m);
      assert.match(sel, /^\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Label1 \\\*\)\]/m);
      // A keyword this session stores first is announced before the FETCH that carries it.
      const stored = await a.cmd("a2", "STORE 2 +FLAGS (Project-X)");
      assert.match(stored, /^\* FLAGS \([^)]*\$Label1 Project-X\)\r\n\* OK \[PERMANENTFLAGS \([^)]*Project-X \\\*\)\][^\r]*\r\n\* 2 FETCH \(FLAGS \(Project-X \\Recent\)\)/m);
      // Another session learns of a keyword from the flag change, and is not told twice.
      const b = await RawImap.login(port);
      await b.cmd("b1", "SELECT INBOX");
      await a.cmd("a3", "STORE 1 +FLAGS ($Junk)");
      const noop = await b.cmd("b2", "NOOP");
      assert.match(noop, /^\* FLAGS \([^)]*\$Junk\)\r\n\* OK \[PERMANENTFLAGS [^\r]*\r\n\* 1 FETCH \(FLAGS \([^)]*\$Junk[^)]*\) UID 1\)/m);
      await a.cmd("a4", "STORE 2 +FLAGS ($Junk)");
      assert.doesNotMatch(await b.cmd("b3", "NOOP"), /\* FLAGS/);
      // New mail with a keyword does the same.
      await backend.mailboxes.append(userId, "INBOX", message("Third"), ["NonJunk"]);
      assert.match(await b.cmd("b4", "NOOP"), /^\* FLAGS \([^)]*NonJunk\)\r\n[\s\S]*\* 3 EXISTS/m);
      // EXAMINE lists them in FLAGS but permits nothing.
      assert.match(await b.cmd("b5", "EXAMINE INBOX"), /\* OK \[PERMANENTFLAGS \(\)\]/);
    });

    it("lets imapflow see the mailbox's keywords and store a new one", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Tagged"), ["$Important"]);
      const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
      await c.connect();
      t.after(() => c.close());
      const box = await c.mailboxOpen("INBOX");
      assert.ok(box.flags.has("$Important"));
      assert.ok(box.permanentFlags?.has("\\*"));
      await c.messageFlagsAdd("1", ["$Later"]);
      const msg = await c.fetchOne("1", { flags: true });
      assert.ok(msg && msg.flags?.has("$Later") && msg.flags.has("$Important"));
      await c.logout();
    });
  });
});
