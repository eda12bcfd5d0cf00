// Mailbox commands over a raw socket, on SQLite and PostgreSQL: CREATE with missing parents
// and a trailing separator, RENAME of a tree and of INBOX (RFC 3501 §6.3.5: the messages move,
// INBOX stays), DELETE, SUBSCRIBE/LSUB (subscriptions outlive their mailboxes), and names that must be refused: "..", empty levels
// ("/" tricks), control characters and invalid modified UTF-7 (test plan IMAP-13, IMAP-17).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { forEachDialect } from "../../support/stores.js";
import { alice, message, RawImap, startTestImap } from "./harness.js";

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

    it("deletes a mailbox and its messages, refuses INBOX; a mailbox with children stays as \\Noselect (RFC 3501 §6.3.4)", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      await c.cmd("a1", "CREATE Parent/Child");
      await backend.mailboxes.append(userId, "Parent/Child", message("Gone"));
      await backend.mailboxes.append(userId, "Parent", message("Parent's own"));
      const watcher = await RawImap.login(port);
      await watcher.cmd("w1", "SELECT Parent/Child");
      const parentWatcher = await RawImap.login(port);
      await parentWatcher.cmd("p1", "SELECT Parent");
      assert.match(await c.cmd("a2", "DELETE INBOX"), /^a2 NO /m);
      // The parent's messages go; its name stays above the child, not selectable.
      assert.match(await c.cmd("a3", "DELETE Parent"), /^a3 OK/m);
      assert.match(await parentWatcher.cmd("p2", "NOOP"), /\* 1 EXPUNGE\r\np2 OK/);
      const listed = await c.cmd("l1", 'LIST "" "Parent*"');
      assert.match(listed, /^\* LIST \(\\Noselect \\HasChildren\) "\/" "?Parent"?\r$/m);
      assert.match(listed, /^\* LIST \(\\HasNoChildren\) "\/" "?Parent\/Child"?\r$/m);
      assert.match(await c.cmd("l2", "SELECT Parent"), /^l2 NO \[NONEXISTENT\]/m);
      assert.match(await c.cmd("l3", "STATUS Parent (MESSAGES)"), /^l3 NO \[NONEXISTENT\]/m);
      assert.match(await c.cmd("l4", "APPEND Parent {1+}\r\nx"), /^l4 NO /m);
      // A \Noselect name that still has children cannot be deleted.
      assert.match(await c.cmd("l5", "DELETE Parent"), /^l5 NO \[HASCHILDREN\]/m);
      assert.match(await c.cmd("a4", "DELETE Parent/Child"), /^a4 OK/m);
      assert.match(await watcher.cmd("w2", "NOOP"), /\* 1 EXPUNGE\r\nw2 OK/);
      assert.match(await c.cmd("a5", "DELETE Parent"), /^a5 OK/m);
      assert.match(await c.cmd("a6", "DELETE Parent"), /^a6 NO \[NONEXISTENT\]/m);
      assert.deepEqual(names(await c.cmd("a7", 'LIST "" "Parent*"')), []);
    });

    it("imapflow: deleting a folder with subfolders empties it and keeps it as \\Noselect; CREATE makes it a folder again", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
      await c.connect();
      t.after(() => c.close());
      await c.mailboxCreate("Projects/2026");
      await backend.mailboxes.append(userId, "Projects", message("Old plan"));
      await c.mailboxDelete("Projects");
      const listed = await c.list();
      assert.equal(listed.find((b) => b.path === "Projects")?.flags.has("\\Noselect"), true);
      assert.ok(listed.some((b) => b.path === "Projects/2026"));
      await assert.rejects(c.mailboxOpen("Projects"));
      await c.mailboxCreate("Projects");
      assert.equal((await c.list()).find((b) => b.path === "Projects")?.flags.has("\\Noselect"), false);
      const box = await c.mailboxOpen("Projects");
      assert.equal(box.exists, 0, "the messages went with the DELETE");
      await c.mailboxClose();
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

    it("keeps a deleted mailbox's subscription: \\NonExistent in LIST (SUBSCRIBED), \\Noselect in LSUB; RENAME moves subscriptions", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      for (const [i, cmd] of ["CREATE Fruit/Peach", "CREATE Fruit/Apple", "SUBSCRIBE Fruit/Peach", "SUBSCRIBE Fruit/Apple"].entries()) {
        assert.match(await c.cmd(`c${i}`, cmd), new RegExp(`^c${i} OK`, "m"));
      }
      assert.match(await c.cmd("d1", "DELETE Fruit/Peach"), /^d1 OK/m);
      // RFC 5258 §3 and its example 5: a subscribed name without a mailbox.
      const subscribed = await c.cmd("a1", 'LIST (SUBSCRIBED) "" "Fruit/*"');
      assert.match(subscribed, /^\* LIST \(\\HasNoChildren \\Subscribed\) "\/" "?Fruit\/Apple"?\r$/m);
      assert.match(subscribed, /^\* LIST \(\\NonExistent \\Subscribed\) "\/" "?Fruit\/Peach"?\r$/m);
      assert.doesNotMatch(await c.cmd("a2", 'LIST "" "Fruit/*" RETURN (SUBSCRIBED)'), /Peach/, "plain LIST lists mailboxes only");
      assert.match(await c.cmd("a3", 'LSUB "" "Fruit/*"'), /^\* LSUB \(\\Noselect\) "\/" "?Fruit\/Peach"?\r$/m);
      assert.match(await c.cmd("a4", "SELECT Fruit/Peach"), /^a4 NO \[NONEXISTENT\]/m);
      assert.match(await c.cmd("s1", "SUBSCRIBE Fruit/Pear"), /^s1 NO \[NONEXISTENT\]/m);
      // The subscription of a gone mailbox can still be dropped; after that the name is unknown.
      assert.match(await c.cmd("u1", "UNSUBSCRIBE Fruit/Peach"), /^u1 OK/m);
      assert.deepEqual(names(await c.cmd("a5", 'LSUB "" "Fruit/*"')), ["Fruit/Apple"]);
      assert.match(await c.cmd("u2", "UNSUBSCRIBE Fruit/Peach"), /^u2 NO \[NONEXISTENT\]/m);
      // RENAME takes the subscriptions of the mailbox and of its children along (as Dovecot).
      assert.match(await c.cmd("r1", "RENAME Fruit Food"), /^r1 OK/m);
      assert.deepEqual(names(await c.cmd("a6", 'LSUB "" "*"')).filter((n) => /^(Fruit|Food)/.test(n)), ["Food/Apple"]);
      // A mailbox made again under a subscribed name is subscribed (the name is what is subscribed).
      await c.cmd("d2", "DELETE Food/Apple");
      assert.match(await c.cmd("a7", 'LIST (SUBSCRIBED) "" "Food/*"'), /\\NonExistent \\Subscribed\) "\/" "?Food\/Apple"?\r\n/);
      await c.cmd("c9", "CREATE Food/Apple");
      assert.match(await c.cmd("a8", 'LIST "" "Food/Apple" RETURN (SUBSCRIBED)'), /\(\\HasNoChildren \\Subscribed\) "\/" "?Food\/Apple"?\r\n/);
    });

    it("imapflow: a renamed folder stays subscribed, a deleted one stays out of the folder list and can be unsubscribed", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
      await c.connect();
      t.after(() => c.close());
      await c.mailboxCreate("Fruit/Peach");
      await c.mailboxCreate("Fruit/Apple");
      assert.equal(await c.mailboxSubscribe("Fruit/Peach"), true);
      assert.equal(await c.mailboxSubscribe("Fruit/Apple"), true);
      await c.mailboxDelete("Fruit/Peach");
      const fruit = (await c.list()).filter((b) => b.path.startsWith("Fruit/"));
      assert.deepEqual(fruit.map((b) => [b.path, b.subscribed]), [["Fruit/Apple", true]]);
      await c.mailboxRename("Fruit", "Food");
      const food = (await c.list()).filter((b) => b.path.startsWith("Food/") || b.path.startsWith("Fruit"));
      assert.deepEqual(food.map((b) => [b.path, b.subscribed]), [["Food/Apple", true]]);
      // The deleted child's subscription moved with the rename too.
      assert.equal(await c.mailboxUnsubscribe("Fruit/Peach"), false);
      assert.equal(await c.mailboxUnsubscribe("Food/Peach"), true);
      assert.equal(await c.mailboxUnsubscribe("Food/Peach"), false);
      assert.equal((await c.list()).some((b) => b.path.includes("Peach")), false);
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
