// Real clients against the server: imapflow (login, list, select, fetch of envelope, body
// structure and source, flags, search, copy/move, append, expunge, IDLE woken by another
// client's APPEND) and Python's imaplib (login, select, fetch, store, search, logout), on
// SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { ImapFlow } from "imapflow";
import { forEachDialect } from "../../support/stores.js";
import { alice, message, startTestImap } from "./harness.js";

const run = promisify(execFile);

function client(port: number): ImapFlow {
  return new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
}

const pythonScript = String.raw`
import imaplib, json, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port)
out = {"login": m.login(user, password)[0]}
typ, data = m.select("INBOX")
out["exists"] = data[0].decode()
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
out["subject"] = data[0][1].decode().strip()
typ, data = m.store("1", "+FLAGS", "(\\Answered)")
out["store"] = data[0].decode()
typ, data = m.search(None, "ANSWERED")
out["search"] = data[0].decode()
out["logout"] = m.logout()[0]
print(json.dumps(out))
`;

forEachDialect((_dialect, open) => {
  describe("imapflow", () => {
    it("lists, selects, fetches, flags, searches, copies, moves, appends and expunges", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Hello Alice", "Quarterly numbers attached.\r\n"));
      const c = client(port);
      await c.connect();
      t.after(() => c.close());

      const boxes = await c.list();
      assert.deepEqual(boxes.map((b) => b.path).sort(), ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
      assert.equal(boxes.find((b) => b.path === "Sent")?.specialUse, "\\Sent");

      const lock = await c.getMailboxLock("INBOX");
      try {
        assert.equal(c.mailbox && c.mailbox.exists, 1);
        const msg = await c.fetchOne("1", { envelope: true, bodyStructure: true, source: true, flags: true, uid: true });
        assert.ok(msg);
        assert.equal(msg.envelope?.subject, "Hello Alice");
        assert.equal(msg.envelope?.from?.[0]?.address, "bob@example.net");
        assert.equal(msg.bodyStructure?.type, "text/plain");
        assert.match(msg.source?.toString() ?? "", /Quarterly numbers attached/);

        await c.messageFlagsAdd("1", ["\\Flagged"]);
        assert.deepEqual(await c.search({ flagged: true }), [1]);
        assert.deepEqual(await c.search({ body: "quarterly" }), [1]);
        assert.deepEqual(await c.search({ subject: "nothing like it" }), []);

        const copied = await c.messageCopy("1", "Archive");
        assert.ok(copied && copied.uidMap?.get(1) === 1);
        const appended = await c.append("INBOX", message("Appended"), ["\\Seen"]);
        assert.ok(appended && appended.uid === 2);
        const moved = await c.messageMove("1", "Trash");
        assert.ok(moved && moved.uidMap?.get(1) === 1);
        assert.equal(c.mailbox && c.mailbox.exists, 1);

        await c.messageFlagsAdd({ uid: "2" }, ["\\Deleted"], { uid: true });
        await c.messageDelete({ uid: "2" }, { uid: true });
        assert.equal(c.mailbox && c.mailbox.exists, 0);
      } finally {
        lock.release();
      }
      const status = await c.status("Trash", { messages: true });
      assert.ok(status && status.messages === 1);
      await c.logout();
    });

    it("wakes from IDLE when another client appends a message", async (t) => {
      const { port } = await startTestImap(t, { open });
      const watcher = client(port);
      const writer = client(port);
      await watcher.connect();
      await writer.connect();
      t.after(() => watcher.close());
      t.after(() => writer.close());
      await watcher.mailboxOpen("INBOX");
      const exists = new Promise<number>((resolve) => watcher.on("exists", (data: { count: number }) => resolve(data.count)));
      const idle = watcher.idle();
      await writer.append("INBOX", message("New mail"));
      assert.equal(await exists, 1);
      await watcher.noop();
      await idle.catch(() => undefined);
      await writer.logout();
      await watcher.logout();
    });
  });

  describe("Python imaplib", () => {
    it("logs in, selects, fetches, stores, searches and logs out", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("From Python"));
      const { stdout } = await run("python3", ["-c", pythonScript, String(port), alice.address, alice.password]);
      const result = JSON.parse(stdout) as Record<string, string>;
      assert.deepEqual(result, {
        login: "OK",
        exists: "1",
        subject: "Subject: From Python",
        store: "1 (FLAGS (\\Answered \\Recent))",
        search: "1",
        logout: "BYE",
      });
    });
  });
});
