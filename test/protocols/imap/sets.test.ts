// Sequence and UID sets on the wire after an expunge broke the seq = UID mapping, as imaptest's
// fetch and search-sets scripts check them: reversed ranges, "*" as the largest number in use,
// a UID range past the last UID still naming the last message (RFC 3501 §6.4.8, §9).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectEach, message, RawImap, searchLine, startTestImap } from "./harness.js";

describe("sequence and UID sets", () => {
  it("answers imaptest's fetch and search-sets cases", async (t) => {
    const { port, backend, userId } = await startTestImap(t);
    for (let i = 1; i <= 6; i++) await backend.mailboxes.append(userId, "INBOX", message(`S${i}`));
    const c = await RawImap.login(port);
    await c.cmd("a0", "SELECT INBOX");
    assert.match(await c.cmd("a1", "UID FETCH 7:* UID"), /^\* 6 FETCH \(UID 6\)\r\na1 OK/m);
    await c.cmd("a2", "STORE 2 +FLAGS.SILENT (\\Deleted)");
    assert.match(await c.cmd("a3", "EXPUNGE"), /^\* 2 EXPUNGE\r\n/m);
    const searches: [string, string][] = [
      ["SEARCH ALL", "1 2 3 4 5"],
      ["UID SEARCH ALL", "1 3 4 5 6"],
      ["SEARCH 1:3,5", "1 2 3 5"],
      ["SEARCH 4:2", "2 3 4"],
      ["SEARCH UID 1:3,5", "1 2 4"],
      ["SEARCH UID 4:2", "2 3"],
      ["SEARCH 1:3 NOT UID 3", "1 3"],
      ["SEARCH NOT 2,4", "1 3 5"],
      ["SEARCH OR 1 UID 3", "1 2"],
      ["SEARCH *", "5"],
      ["SEARCH UID *", "5"],
      ["SEARCH 6:*", "5"],
      ["SEARCH *:6", "5"],
      ["SEARCH UID 7:*", "5"],
      ["SEARCH *:3", "3 4 5"],
      ["SEARCH 1,4,*", "1 4 5"],
    ];
    await expectEach(c, "s", searches, searchLine);
    assert.match(await c.cmd("f1", "UID FETCH 7:* UID"), /^\* 5 FETCH \(UID 6\)\r\nf1 OK/m);
    assert.match(await c.cmd("f2", "UID FETCH 2 UID"), /^f2 OK[^\r]*\r\n$/);
    assert.match(await c.cmd("f3", "FETCH *:4 UID"), /^\* 4 FETCH \(UID 5\)\r\n\* 5 FETCH \(UID 6\)\r\nf3 OK/m);
    assert.match(await c.cmd("f4", "FETCH 1 FAST"), /^\* 1 FETCH \(FLAGS \(\\Recent\) INTERNALDATE "[^"]+" RFC822\.SIZE \d+\)\r\n/m);
  });
});
