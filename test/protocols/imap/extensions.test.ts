// Session extensions over real sockets, on SQLite and PostgreSQL: ID (the client id reaches the
// login record), ENABLE, NAMESPACE, EXAMINE (read-only: FETCH BODY[] sets no \Seen, RFC 3501
// §6.3.2), UNSELECT (RFC 3691: no expunge) and QUOTA (RFC 9208) with APPEND and COPY refused
// past the quota (NO [OVERQUOTA]).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import { forEachDialect } from "../../support/stores.js";
import { alice, message, RawImap, startTestImap } from "./harness.js";

forEachDialect((_dialect, open) => {
  describe("ID, ENABLE, NAMESPACE", () => {
    it("puts the client id sent before LOGIN into the login record", async (t) => {
      const { port, store, userId } = await startTestImap(t, { open });
      const c = await RawImap.connect(port);
      const id = await c.cmd("a1", 'ID ("name" "Thunderbird" "version" "115.3" "os" NIL)');
      assert.match(id, /^\* ID \("name" "Moat"/m);
      assert.match(await c.cmd("a2", `LOGIN ${alice.address} "${alice.password}"`), /^a2 OK/m);
      const [record] = await store.loginRecords.list({ userId, limit: 1 });
      assert.equal(record?.channel, "imap");
      assert.equal(record?.result, "success");
      assert.equal(record?.clientId, "Thunderbird 115.3");
      assert.match(await c.cmd("a3", "ID NIL"), /^\* ID \(/m);
      assert.match(await c.cmd("a4", 'ID ("name")'), /^a4 BAD /m);
    });

    it("records the id imapflow sends, and refuses an oversized ID before login", async (t) => {
      const { port, store, userId } = await startTestImap(t, { open });
      const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false, clientInfo: { name: "Moat Test Client", version: "9.8" } });
      await c.connect();
      await c.logout();
      const [record] = await store.loginRecords.list({ userId, limit: 1 });
      assert.match(record?.clientId ?? "", /^Moat Test Client 9\.8/);

      const raw = await RawImap.connect(port);
      const fields = Array.from({ length: 1000 }, (_, i) => `"f${i}" "v"`).join(" ");
      assert.match(await raw.cmd("b1", `ID (${fields})`), /^b1 BAD /m);
      assert.match(await raw.cmd("b2", `ID ("name" "${"x".repeat(2000)}")`), /^b2 BAD /m);
      assert.match(await raw.cmd("b3", "NOOP"), /^b3 OK/m);
    });

    it("enables CONDSTORE and QRESYNC once each, ignores unknown names and needs a login", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.connect(port);
      assert.match(await c.cmd("a0", "ENABLE CONDSTORE"), /^a0 BAD /m);
      await c.cmd("l0", `LOGIN ${alice.address} "${alice.password}"`);
      assert.match(await c.cmd("a1", "ENABLE CONDSTORE X-UNKNOWN"), /^\* ENABLED CONDSTORE\r\na1 OK/m);
      assert.match(await c.cmd("a2", "ENABLE CONDSTORE"), /^\* ENABLED\r\na2 OK/m);
      assert.match(await c.cmd("a3", "ENABLE QRESYNC"), /^\* ENABLED QRESYNC\r\na3 OK/m);
      assert.match(await c.cmd("a4", "ENABLE"), /^a4 BAD /m);
    });

    it("answers NAMESPACE with one personal namespace, only after login", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.connect(port);
      assert.match(await c.cmd("a1", "NAMESPACE"), /^a1 BAD /m);
      await c.cmd("l0", `LOGIN ${alice.address} "${alice.password}"`);
      assert.match(await c.cmd("a2", "NAMESPACE"), /^\* NAMESPACE \(\("" "\/"\)\) NIL NIL\r\na2 OK/m);
      assert.match(await c.cmd("a3", "NAMESPACE extra"), /^a3 BAD /m);
    });
  });

  describe("EXAMINE and UNSELECT", () => {
    it("opens read-only: FETCH BODY[] sets no \\Seen, STORE and EXPUNGE are refused, \\Recent is not claimed", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Read only"));
      const c = await RawImap.login(port);
      const ex = await c.cmd("a1", "EXAMINE INBOX");
      assert.match(ex, /\* OK \[PERMANENTFLAGS \(\)\]/);
      assert.match(ex, /^a1 OK \[READ-ONLY\]/m);
      const body = await c.cmd("a2", "FETCH 1 (BODY[] FLAGS)");
      assert.match(body, /BODY\[\] \{\d+\}\r\nFrom: Bob/);
      assert.doesNotMatch(body, /\\Seen/);
      assert.match(await c.cmd("a3", "STORE 1 +FLAGS (\\Seen)"), /^a3 NO \[READ-ONLY\]/m);
      assert.match(await c.cmd("a4", "EXPUNGE"), /^a4 NO \[READ-ONLY\]/m);
      assert.match(await c.cmd("a5", "FETCH 1 FLAGS"), /\* 1 FETCH \(FLAGS \(\)\)/);
      const other = await RawImap.login(port);
      assert.match(await other.cmd("b1", "STATUS INBOX (UNSEEN RECENT)"), /UNSEEN 1 RECENT 1\)/);
      assert.match(await other.cmd("b2", "SELECT INBOX"), /\* 1 RECENT\r\n[\s\S]*b2 OK \[READ-WRITE\]/);
    });

    it("UNSELECT leaves \\Deleted messages in place, CLOSE expunges them", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open });
      await backend.mailboxes.append(userId, "INBOX", message("Keep me"), ["\\Deleted"]);
      const c = await RawImap.login(port);
      await c.cmd("a1", "SELECT INBOX");
      assert.match(await c.cmd("a2", "UNSELECT"), /^a2 OK/m);
      assert.match(await c.cmd("a3", "FETCH 1 FLAGS"), /^a3 BAD /m);
      assert.match(await c.cmd("a4", "UNSELECT"), /^a4 BAD /m);
      assert.match(await c.cmd("a5", "STATUS INBOX (MESSAGES)"), /MESSAGES 1\)/);
      await c.cmd("a6", "SELECT INBOX");
      assert.match(await c.cmd("a7", "CLOSE"), /^a7 OK/m);
      assert.doesNotMatch(c.wire.text.slice(-200), /EXPUNGE/);
      assert.match(await c.cmd("a8", "STATUS INBOX (MESSAGES)"), /MESSAGES 0\)/);
    });
  });

  describe("QUOTA", () => {
    it("reports the user's STORAGE root and refuses APPEND and COPY past it with NO [OVERQUOTA]", async (t) => {
      const { port, backend, userId } = await startTestImap(t, { open, quotaBytes: 10 * 1024 });
      await backend.mailboxes.append(userId, "INBOX", message("Small", "x".repeat(4000) + "\r\n"));
      const c = await RawImap.login(port);
      assert.match(await c.cmd("a1", "CAPABILITY"), /QUOTA=RES-STORAGE/);
      assert.match(await c.cmd("a2", "GETQUOTAROOT INBOX"), /^\* QUOTAROOT "INBOX" ""\r\n\* QUOTA "" \(STORAGE 4 10\)\r\na2 OK/m);
      assert.match(await c.cmd("a3", 'GETQUOTA ""'), /^\* QUOTA "" \(STORAGE 4 10\)\r\na3 OK/m);
      assert.match(await c.cmd("a4", 'GETQUOTA "other"'), /^a4 NO \[NONEXISTENT\]/m);
      assert.match(await c.cmd("a5", 'SETQUOTA "" (STORAGE 100000)'), /^a5 NO /m);
      assert.match(await c.cmd("a6", "GETQUOTAROOT Nowhere"), /^a6 NO \[NONEXISTENT\]/m);

      const big = message("Big", "y".repeat(8000) + "\r\n");
      await c.wire.write(`a7 APPEND INBOX {${big.length}}\r\n`);
      await c.read((text) => text.startsWith("+ "));
      assert.match(await c.send(`${big.toString("latin1")}\r\n`, "a7"), /^a7 NO \[OVERQUOTA\]/m);
      await c.cmd("a8", "SELECT INBOX");
      assert.match(await c.cmd("a9", "COPY 1:* Archive"), /^a9 OK/m);
      assert.match(await c.cmd("b1", "COPY 1:* Archive"), /^b1 NO \[OVERQUOTA\]/m);
      assert.match(await c.cmd("b2", "STATUS INBOX (MESSAGES)"), /MESSAGES 1\)/);

      const flow = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user: alice.address, pass: alice.password }, logger: false });
      await flow.connect();
      t.after(() => flow.close());
      const quota = await flow.getQuota("INBOX");
      assert.ok(quota && quota.storage);
      assert.equal(quota.storage.limit, 10 * 1024);
      assert.equal(quota.storage.usage, 8 * 1024);
      await flow.logout();
    });

    it("names no quota root for a user without a quota", async (t) => {
      const { port } = await startTestImap(t, { open });
      const c = await RawImap.login(port);
      assert.match(await c.cmd("a1", "GETQUOTAROOT INBOX"), /^\* QUOTAROOT "INBOX"\r\na1 OK/m);
      assert.match(await c.cmd("a2", 'GETQUOTA ""'), /^a2 NO \[NONEXISTENT\]/m);
    });
  });
});
