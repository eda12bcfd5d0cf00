// Mailbox commands over a raw socket, on SQLite and PostgreSQL: CREATE with missing parents
// and a trailing separator, RENAME of a tree and of INBOX (RFC 3501 §6.3.5: the messages move,
// INBOX stays), DELETE, SUBSCRIBE/LSUB, and names that must be refused: "..", empty levels
// ("/" tricks), control characters and invalid modified UTF-7 (test plan IMAP-13, IMAP-17).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap } from "./harness.js";

/** The mailbox names of LIST/LSUB lines, in order. */
function names(reply: string): string[] {
  return [...reply.matchAll(/^\* (?:LIST|LSUB) \([^)]*\) "\/" (.*)\r$/gm)].map((m) => m[1]!.replace(/^"(.*)"$/, "$1"));
}

forEachDialect((_dialect, open) => {
  describe("CREATE, RENAME, DELETE", () => {
    it("creates missing parents, keeps a trailing separator out of the name and refuses duplicates", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      assert.match(await c.cmd("a1", "CREATE Projects/2026/Q4"), /^a1 OK/m);
      assert.match(await c.cmd("a2", "CREATE Later/"), /^a2 OK/m);
      const list = await c.cmd("a3", 'LIST "" "*"');
      assert.deepEqual(names(list).filter((n) => /^(Projects|Later)/.test(n)), ["Later", "Projects", "Projects/2026", "Projects/2026/Q4"]);
      assert.match(list, /\* LIST \(\\HasChildren\) "\/" "?Projects"?\r\n/);
      assert.match(list, /\* LIST \(\\HasNoChildren\) "\/" "?Projects\/2026\/Q4"?\r\n/);
      assert.deepEqual(names(await c.cmd("a4", 'LIST "" "Projects/%"')), ["Projects/2026"]);
      assert.deepEqual(names(await c.cmd("a5", 'LIST "Projects/" "%"')), ["Projects/2026"]);
      assert.match(await c.cmd("a6", "CREATE Projects"), /^a6 NO \[ALREADYEXISTS\]/m);
      assert.match(await c.cmd("a7", "CREATE inbox"), /^a7 NO \[ALREADYEXISTS\]/m);
    });

    it("keeps a name in modified UTF-7 on the wire and refuses invalid modified UTF-7", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      assert.match(await c.cmd("a1", "CREATE Entw&APw-rfe/&ZeVnLIqe-"), /^a1 OK/m);
      assert.deepEqual(names(await c.cmd("a2", 'LIST "" "Entw*"')), ["Entw&APw-rfe", "Entw&APw-rfe/&ZeVnLIqe-"]);
      // Unterminated shift, ASCII encoded in base64 (RFC 3501 §5.1.3 forbids it), bad base64.
      for (const [i, bad] of ["Foo&AGE", "&AGE-", "&,,,-", "a&Jjo!-"].entries()) {
        assert.match(await c.cmd(`b${i}`, `CREATE "${bad}"`), new RegExp(`^b${i} (NO|BAD) `, "m"));
      }
      assert.deepEqual(names(await c.cmd("a3", 'LIST "" "*"')).filter((n) => !/^(INBOX|Sent|Drafts|Junk|Trash|Archive)$/.test(n)), ["Entw&APw-rfe", "Entw&APw-rfe/&ZeVnLIqe-"]);
    });

    it("refuses '..' and '/' tricks in every mailbox command without touching other mailboxes", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      const tricks = ["../etc", "a/../../b", "/etc/passwd", "a//b", "Trash/..", ".", "INBOX/./x"];
      let n = 0;
      for (const name of tricks) {
        for (const cmd of [`CREATE "${name}"`, `DELETE "${name}"`, `RENAME Trash "${name}"`, `SELECT "${name}"`, `STATUS "${name}" (MESSAGES)`]) {
          const tag = `t${n++}`;
          assert.match(await c.cmd(tag, cmd), new RegExp(`^${tag} (NO|BAD) `, "m"), cmd);
        }
      }
      assert.match(await c.cmd("l1", 'LIST "" "../*"'), /^l1 BAD /m);
      assert.match(await c.cmd("l2", 'LIST ".." "*"'), /^l2 BAD /m);
      assert.deepEqual(names(await c.cmd("l3", 'LIST "" "*"')), ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    });

    it("renames a mailbox with its children and refuses to move one inside itself or onto another", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      await c.cmd("a1", "CREATE Work/Clients/Acme");
      await backend.mailboxes.append(userId, "Work/Clients", message("Kept"));
      assert.match(await c.cmd("a2", "RENAME Work Office/Old"), /^a2 OK/m);
      assert.deepEqual(names(await c.cmd("a3", 'LIST "" "Office*"')), ["Office", "Office/Old", "Office/Old/Clients", "Office/Old/Clients/Acme"]);
      assert.deepEqual(names(await c.cmd("a4", 'LIST "" "Work*"')), []);
      assert.match(await c.cmd("a5", 'STATUS "Office/Old/Clients" (MESSAGES)'), /MESSAGES 1\)/);
      assert.match(await c.cmd("a6", "RENAME Office/Old Office/Old/Inner"), /^a6 NO /m);
      assert.match(await c.cmd("a7", "RENAME Office Trash"), /^a7 NO \[ALREADYEXISTS\]/m);
      assert.match(await c.cmd("a8", "RENAME Nowhere Somewhere"), /^a8 NO \[NONEXISTENT\]/m);
    });

    it("renames INBOX by moving its messages to the new mailbox and expunging them from INBOX's sessions", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("One"));
      await backend.mailboxes.append(userId, "INBOX", message("Two"));
      const watcher = await RawImap.login(port);
      await watcher.cmd("w1", "SELECT INBOX");
      const c = await RawImap.login(port);
      assert.match(await c.cmd("a1", "RENAME INBOX \"Old Mail\""), /^a1 OK/m);
      assert.match(await c.cmd("a2", 'STATUS "Old Mail" (MESSAGES UIDNEXT)'), /MESSAGES 2 UIDNEXT 3\)/);
      assert.match(await c.cmd("a3", "STATUS INBOX (MESSAGES)"), /MESSAGES 0\)/);
      assert.match(await c.cmd("a4", 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]'), /^a4 BAD /m);
      assert.match(await watcher.cmd("w2", "NOOP"), /\* 1 EXPUNGE\r\n\* 1 EXPUNGE\r\nw2 OK/);
      assert.match(await c.cmd("a5", 'SELECT "Old Mail"'), /\* 2 EXISTS/);
      assert.match(await c.cmd("a6", "FETCH 2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]"), /Subject: Two/);
    });

    it("deletes a mailbox and its messages, refuses INBOX and a mailbox with children", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      await c.cmd("a1", "CREATE Parent/Child");
      await backend.mailboxes.append(userId, "Parent/Child", message("Gone"));
      const watcher = await RawImap.login(port);
      await watcher.cmd("w1", "SELECT Parent/Child");
      assert.match(await c.cmd("a2", "DELETE INBOX"), /^a2 NO /m);
      assert.match(await c.cmd("a3", "DELETE Parent"), /^a3 NO \[HASCHILDREN\]/m);
      assert.match(await c.cmd("a4", "DELETE Parent/Child"), /^a4 OK/m);
      assert.match(await watcher.cmd("w2", "NOOP"), /\* 1 EXPUNGE\r\nw2 OK/);
      assert.match(await c.cmd("a5", "DELETE Parent"), /^a5 OK/m);
      assert.match(await c.cmd("a6", "DELETE Parent"), /^a6 NO \[NONEXISTENT\]/m);
      assert.deepEqual(names(await c.cmd("a7", 'LIST "" "Parent*"')), []);
    });
  });

  describe("SUBSCRIBE and LSUB", () => {
    it("lists only subscribed mailboxes, an unsubscribed parent as \\Noselect (imaptest's subscribe script)", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      for (const [i, name] of ["box/", "box/test", "box/test2/", "box/test3/", "box/test2/test", "box/test3/test3"].entries()) {
        assert.match(await c.cmd(`c${i}`, `CREATE ${name}`), new RegExp(`^c${i} OK`, "m"));
      }
      // CREATE does not subscribe (RFC 3501 §6.3.6): nothing is listed yet.
      assert.deepEqual(names(await c.cmd("a0", 'LSUB "" "box/*"')), []);
      for (const [i, name] of ["box/test", "box/test2/test", "box/test3/test3"].entries()) await c.cmd(`s${i}`, `SUBSCRIBE ${name}`);
      const top = await c.cmd("a1", 'LSUB "" box/%');
      assert.match(top, /^\* LSUB \(\) "\/" "?box\/test"?\r$/m);
      assert.match(top, /^\* LSUB \(\\Noselect\) "\/" "?box\/test2"?\r$/m);
      assert.match(top, /^\* LSUB \(\\Noselect\) "\/" "?box\/test3"?\r$/m);
      assert.deepEqual(names(top).sort(), ["box/test", "box/test2", "box/test3"]);
      assert.deepEqual(names(await c.cmd("a2", 'LSUB "" *test')), ["box/test", "box/test2/test"]);
      assert.deepEqual(names(await c.cmd("a3", 'LSUB "box/" "test3/%"')), ["box/test3/test3"]);
      assert.match(await c.cmd("a4", 'LIST "" "box/test*" RETURN (SUBSCRIBED)'), /\* LIST \(\\HasNoChildren \\Subscribed\) "\/" "?box\/test"?\r\n\* LIST \(\\HasChildren\) "\/" "?box\/test2"?\r\n/);
      assert.deepEqual(names(await c.cmd("a5", 'LIST (SUBSCRIBED) "" "box/*"')), ["box/test", "box/test2/test", "box/test3/test3"]);
      await c.cmd("u1", "UNSUBSCRIBE box/test");
      assert.deepEqual(names(await c.cmd("a6", 'LSUB "" box/%')).sort(), ["box/test2", "box/test3"]);
      await c.cmd("u2", "UNSUBSCRIBE box/test2/test");
      assert.deepEqual(names(await c.cmd("a7", 'LSUB "" box/*')), ["box/test3/test3"]);
      await c.cmd("u3", "UNSUBSCRIBE box/test3/test3");
      assert.deepEqual(names(await c.cmd("a8", 'LSUB "" box/%')), []);
      assert.match(await c.cmd("b1", "SUBSCRIBE ../x"), /^b1 (NO|BAD) /m);
    });
  });

  describe("LIST-EXTENDED", () => {
    it("takes several patterns, refuses bad options and reports CHILDINFO under RECURSIVEMATCH (imaptest's listext)", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      const boxes = ["box/test1", "box/test2/", "box/test2/test1", "box/test3", "box/test4/test5", "box/test4/test52", "box/test7/test7", "box/test8/test8", "box/test8/test9"];
      for (const [i, name] of boxes.entries()) await c.cmd(`c${i}`, `CREATE ${name}`);
      for (const [i, name] of ["box/test1", "box/test2/test1", "box/test7/test7", "box/test8/test8", "box/test8/test9"].entries()) await c.cmd(`s${i}`, `SUBSCRIBE ${name}`);
      assert.deepEqual(names(await c.cmd("a1", 'LIST "" (box/*2 box/test3)')), ["box/test2", "box/test3", "box/test4/test52"]);
      for (const [i, bad] of ['LIST (imaptest) "" ""', 'LIST (recursivematch) "" ""', 'LIST (recursivematch remote) "" ""', 'LIST "" "" return (imaptest)'].entries()) {
        assert.match(await c.cmd(`b${i}`, bad), new RegExp(`^b${i} BAD `, "m"), bad);
      }
      assert.match(await c.cmd("a2", 'LIST (remote) "" %'), /^a2 OK/m);
      const recursive = await c.cmd("a3", 'LIST (subscribed recursivematch) "" box/test2% return (children)');
      assert.match(recursive, /^\* LIST \(\\HasChildren\) "\/" "?box\/test2"? \("CHILDINFO" \("SUBSCRIBED"\)\)\r$/m);
      assert.equal(recursive.match(/^\* LIST /gm)?.length, 1, "box/test2/test1 is not reached by %");
      const test8 = await c.cmd("a4", 'LIST (subscribed recursivematch) "" *test8');
      assert.match(test8, /"?box\/test8"? \("CHILDINFO" \("SUBSCRIBED"\)\)\r\n/);
      assert.match(test8, /\\Subscribed\) "\/" "?box\/test8\/test8"?\r\n/);
      // Every selected descendant is matched itself: no CHILDINFO for the parent.
      assert.doesNotMatch(await c.cmd("a5", 'LIST (subscribed recursivematch) "" *test7'), /CHILDINFO/);
      assert.doesNotMatch(await c.cmd("a6", 'LIST (subscribed recursivematch) "" (box/test2 box/test2/test1)'), /CHILDINFO/);
      const both = await c.cmd("a7", 'LIST "" box/% return (children subscribed)');
      assert.match(both, /\* LIST \(\\HasNoChildren \\Subscribed\) "\/" "?box\/test1"?\r\n/);
      assert.match(both, /\* LIST \(\\HasChildren\) "\/" "?box\/test2"?\r\n/);
    });
  });
});
