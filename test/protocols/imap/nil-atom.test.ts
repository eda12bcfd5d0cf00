// NIL where a string may be an atom (astring, RFC 3501 §9) is the text "NIL", as imaptest's nil
// script checks and Dovecot answers: a search for it, a LIST pattern, a mailbox named so (in the
// client's spelling). Where NIL means "none" it still does (ID, nstring answers).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectEach, message, RawImap, searchLine, startTestImap } from "./harness.js";

describe("NIL as an atom", () => {
  it("searches for it, lists it and names a mailbox with it", async (t) => {
    const { port, backend, userId } = await startTestImap(t);
    await backend.mailboxes.append(userId, "INBOX", message("nil", "nil\r\n"));
    await backend.mailboxes.append(userId, "INBOX", message("other", "something else\r\n"));
    const c = await RawImap.login(port);
    await c.cmd("a0", "SELECT INBOX");
    await expectEach(c, "s", [["SEARCH SUBJECT NIL", "1"], ["SEARCH BODY nil", "1"], ["SEARCH NOT SUBJECT Nil", "2"]] as const, searchLine);
    assert.match(await c.cmd("l1", 'LIST "" NIL'), /^l1 OK/m);
    assert.match(await c.cmd("c1", "CREATE nil"), /^c1 OK/m);
    assert.match(await c.cmd("l2", 'LIST "" NIL'), /^l2 OK/m, "a pattern is case-sensitive: NIL is not nil");
    assert.doesNotMatch(await c.cmd("l3", 'LIST "" NIL'), /^\* LIST/m);
    // Quoted in the answer: bare, the client would read it as NIL.
    assert.match(await c.cmd("l4", 'LIST "" nil'), /^\* LIST \([^)]*\) "\/" "nil"\r\nl4 OK/m);
    assert.match(await c.cmd("e1", "EXAMINE nil"), /^e1 OK \[READ-ONLY\]/m);
    assert.match(await c.cmd("i1", "ID NIL"), /^\* ID /m);
    // NIL is still no search key, flag or sequence set.
    assert.match(await c.cmd("b1", "SEARCH NIL"), /^b1 BAD/m);
    assert.match(await c.cmd("b2", "STORE 1 +FLAGS (NIL)"), /^b2 BAD/m);
  });
});
