// SEARCH reads bodies only when a key needs them: flags, keywords, UID and sequence sets, sizes,
// INTERNALDATE and MODSEQ are answered from the message rows; AND evaluates those first, so a
// text key loads the index only of messages the cheap keys left; a top-level UID set narrows
// the rows. Counted on the real server (SQLite and PostgreSQL) through the harness's read counters.
// Decoded header fields are kept per body for the process (search-headers.ts): each test's
// bodies carry a run id of their own so that no earlier test has searched them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHash, randomUUID } from "node:crypto";
import { indexMessage } from "../../../src/mail/mime/index-message.js";
import { forEachDialect } from "../../support/stores.js";
import { expectEach, message, RawImap, searchLine, startTestImap } from "./harness.js";

forEachDialect((_dialect, open) => {
  describe("SEARCH without reading bodies", () => {
    it("answers row-only keys without loading any index or body, and loads the index only where needed", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads } = server;
      const run = randomUUID();
      for (let i = 1; i <= 6; i++) await backend.mailboxes.append(userId, "INBOX", message(`Report ${i}`, `Body number ${i}, ${run}.\r\n`), i % 2 === 0 ? ["\\Seen"] : [], Date.UTC(2026, 2, i, 12));
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      await c.cmd("a1", "STORE 5 +FLAGS (\\Flagged $Work)");
      const rowOnly: [string, string][] = [
        ["SEARCH FLAGGED", "5"],
        ["SEARCH UNSEEN", "1 3 5"],
        ["SEARCH KEYWORD $Work", "5"],
        ["UID SEARCH UID 2:4", "2 3 4"],
        ["SEARCH 4:*", "4 5 6"],
        ["SEARCH LARGER 10 SMALLER 100000", "1 2 3 4 5 6"],
        ["SEARCH SINCE 4-Mar-2026 BEFORE 6-Mar-2026", "4 5"],
        ["SEARCH OR SEEN FLAGGED", "2 4 5 6"],
        ["SEARCH NOT (OR SEEN RECENT)", ""],
        ["SEARCH MODSEQ 8", "5"],
      ];
      await expectEach(c, "r", rowOnly, searchLine);
      assert.deepEqual(reads, { index: 0, raw: 0, whole: 0, headers: 0 });

      // The text key comes last in the query but runs after UNSEEN: three index loads, not six.
      assert.match(await c.cmd("b1", "SEARCH BODY number UNSEEN"), /^\* SEARCH 1 3 5\r\n/m);
      assert.equal(reads.index, 3);
      assert.equal(reads.raw, 0);
      // A top-level UID set narrows the rows before any key is evaluated; a header key reads
      // the header kept apart at delivery (counted as a raw read), not the summary.
      assert.match(await c.cmd("b2", "UID SEARCH SUBJECT report UID 6"), /^\* SEARCH 6\r\n/m);
      assert.equal(reads.index, 3);
      assert.equal(reads.raw, 1);
      // FETCH of row data reads no body either.
      await c.cmd("b3", "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)");
      assert.deepEqual(reads, { index: 3, raw: 1, whole: 0, headers: 1 });
      // Many messages (read a batch at a time): still only the headers of the messages a key reaches.
      for (let i = 7; i <= 450; i++) await backend.mailboxes.append(userId, "INBOX", message(i % 100 === 0 ? `Invoice ${i}` : `Note ${i}`, `${run}\r\n`), ["\\Seen"]);
      await c.cmd("b40", "NOOP"); // the session hears of the new mail
      const before = { ...reads };
      const found = await c.cmd("b4", "UID SEARCH SUBJECT invoice");
      assert.match(found, /^\* SEARCH 100 200 300 400\r\n/m);
      // Message 6's Subject was decoded by b2 and kept: 449 headers read, not 450.
      assert.deepEqual(reads, { index: before.index, raw: before.raw + 449, whole: 0, headers: before.headers + 449 });
      assert.match(await c.cmd("b5", "UID SEARCH UNSEEN FROM bob"), /^\* SEARCH 1 3 5\r\n/m);
      assert.deepEqual(reads, { index: before.index, raw: before.raw + 449 + 3, whole: 0, headers: before.headers + 449 + 3 });
      // The same fields again: answered from the fields kept, no header read.
      assert.match(await c.cmd("b6", "UID SEARCH SUBJECT invoice"), /^\* SEARCH 100 200 300 400\r\n/m);
      assert.match(await c.cmd("b7", "UID SEARCH UNSEEN FROM bob"), /^\* SEARCH 1 3 5\r\n/m);
      assert.deepEqual(reads, { index: before.index, raw: before.raw + 449 + 3, whole: 0, headers: before.headers + 449 + 3 });
    });

    it("finds header keys in bodies stored before migration 0016, which kept no header apart", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads, store } = server;
      const inbox = await backend.mailboxes.get(userId, "INBOX");
      const run = randomUUID();
      for (const [i, subject] of ["Old invoice", "Old note"].entries()) {
        const raw = message(subject, `Body ${i}.\r\n`, `X-Old: yes\r\nX-Run: ${run}\r\n`);
        const hash = createHash("sha256").update(raw).digest("hex");
        // As 0016 found them: no header kept (putBody without one).
        await store.messages.putBody({ hash, size: raw.length, inline: raw, index: indexMessage(raw), now: 0 });
        await store.messages.append(inbox.id, { bodyHash: hash, size: raw.length, flags: [], internalDate: 0 });
      }
      assert.deepEqual([...(await store.messages.getHeaders((await backend.mailboxes.messages(userId, "INBOX")).map((m) => m.bodyHash))).values()], [null, null]);
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      assert.match(await c.cmd("a1", "SEARCH SUBJECT invoice"), /^\* SEARCH 1\r\n/m);
      assert.match(await c.cmd("a2", "SEARCH HEADER X-Old yes NOT SUBJECT note"), /^\* SEARCH 1\r\n/m);
      assert.match(await c.cmd("a3", "SEARCH TEXT \"body 1\""), /^\* SEARCH 2\r\n/m);
      // The header is cut from the first bytes of the message, after its summary told where it ends.
      assert.ok(reads.index >= 2 && reads.raw >= 2);
    });
  });
});
