// COPY and MOVE as imaptest's copy and move scripts check them, on SQLite and PostgreSQL:
// flags, keywords and INTERNALDATE travel with the copy, the copies are \Recent in the session
// that has the target selected, COPYUID comes untagged before MOVE's expunges (RFC 6851 §4.3),
// and a MOVE into the mailbox itself gives the message a new UID.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap } from "./harness.js";

forEachDialect((_dialect, open) => {
  describe("COPY and MOVE", () => {
    it("copies flags, keywords and dates, and the copies are \\Recent where the target is selected", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (let i = 1; i <= 3; i++) await backend.mailboxes.append(userId, "INBOX", message(`C${i}`), [], Date.UTC(2026, 0, i, 8));
      const [src, dst] = [await RawImap.login(port), await RawImap.login(port)];
      await src.cmd("a0", "SELECT INBOX");
      await dst.cmd("b0", "SELECT Archive");
      await src.cmd("a1", "STORE 1 FLAGS (\\Seen)");
      await src.cmd("a2", "STORE 3 FLAGS (\\Flagged $Keyword1)");
      assert.match(await src.cmd("a3", "COPY 1,3 Archive"), /^a3 OK \[COPYUID \d+ 1,3 1:2\]/m);
      assert.match(await dst.cmd("b1", "NOOP"), /\* 2 EXISTS\r\n\* 2 RECENT\r\n/);
      const fetched = await dst.cmd("b2", "FETCH 1:2 (FLAGS INTERNALDATE)");
      assert.match(fetched, /\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) INTERNALDATE "01-Jan-2026 08:00:00 \+0000"\)/);
      assert.match(fetched, /\* 2 FETCH \(FLAGS \(\\Flagged \$Keyword1 \\Recent\) INTERNALDATE "03-Jan-2026 08:00:00 \+0000"\)/);
    });

    it("sends COPYUID before the expunges and gives a message moved into its own mailbox a new UID", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      for (let i = 1; i <= 3; i++) await backend.mailboxes.append(userId, "INBOX", message(`M${i}`));
      const c = await RawImap.login(port);
      const uidValidity = /\[UIDVALIDITY (\d+)\]/.exec(await c.cmd("a0", "SELECT INBOX"))![1];
      assert.match(await c.cmd("a1", "MOVE 1 Archive"), /^\* OK \[COPYUID \d+ 1 1\][^\r]*\r\n\* 1 EXPUNGE\r\na1 OK/m);
      assert.match(await c.cmd("a2", "UID MOVE 2 Archive"), /^\* OK \[COPYUID \d+ 2 2\][^\r]*\r\n\* 1 EXPUNGE\r\na2 OK/m);
      const self = await c.cmd("a3", "MOVE 1 INBOX");
      assert.match(self, new RegExp(`^\\* OK \\[COPYUID ${uidValidity} 3 4\\][^\\r]*\\r\\n\\* 1 EXPUNGE\\r\\n\\* 1 EXISTS\\r\\n`, "m"));
      assert.match(await c.cmd("a4", "FETCH 1 UID"), /\* 1 FETCH \(UID 4\)/);
      assert.match(await c.cmd("a5", "STATUS Archive (MESSAGES)"), /MESSAGES 2\)/);
    });
  });
});
