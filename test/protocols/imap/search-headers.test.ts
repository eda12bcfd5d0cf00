// Header keys of SEARCH answer from decoded fields kept per body (search-headers.ts): the kept
// fields are bounded (least recently used leave first), a repeated search reads no header and
// finds the same messages, and a body expunged and delivered again (the same key, the same
// bytes) is found again from what was kept.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { SearchedHeaders } from "../../../src/protocols/imap/search-headers.js";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap } from "./harness.js";

const field = (lower: string, present = true) => ({ lower, present });

describe("SearchedHeaders", () => {
  it("keeps fields per body and name", () => {
    const kept = new SearchedHeaders();
    kept.set("h1", "subject", field(" invoice 42"));
    kept.set("h1", "from", field(" bob <bob@example.net>"));
    assert.deepEqual(kept.get("h1", "subject"), field(" invoice 42"));
    assert.deepEqual(kept.get("h1", "from"), field(" bob <bob@example.net>"));
    assert.equal(kept.get("h1", "to"), undefined);
    assert.equal(kept.get("h2", "subject"), undefined);
    assert.equal(kept.size, 1);
  });

  it("lets the least recently used body go past its entry limit", () => {
    const kept = new SearchedHeaders(2);
    kept.set("a", "subject", field("a"));
    kept.set("b", "subject", field("b"));
    assert.ok(kept.get("a", "subject") !== undefined); // a is now the more recent
    kept.set("c", "subject", field("c"));
    assert.equal(kept.size, 2);
    assert.equal(kept.get("b", "subject"), undefined);
    assert.ok(kept.get("a", "subject") !== undefined && kept.get("c", "subject") !== undefined);
  });

  it("lets bodies go past its byte limit, counting each field's text", () => {
    const kept = new SearchedHeaders(100, 2000);
    for (const hash of ["a", "b", "c", "d"]) kept.set(hash, "subject", field("x".repeat(300)));
    assert.ok(kept.size >= 1 && kept.size < 4, `kept ${kept.size}`);
    assert.equal(kept.get("a", "subject"), undefined);
    assert.ok(kept.get("d", "subject") !== undefined);
    // A field replaced by a shorter one gives its bytes back: nothing more leaves.
    const size = kept.size;
    kept.set("d", "subject", field("y"));
    assert.equal(kept.size, size);
  });
});

forEachDialect((_dialect, open) => {
  describe("SEARCH header keys from kept fields", () => {
    it("finds the same messages the second time without reading a header, decoded and case-folded as before", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads } = server;
      const run = randomUUID();
      const raws = [
        message("=?utf-8?B?UmVjaG51bmcgw4TDlsOc?= Invoice", `${run}\r\n`, "X-Empty:\r\n"), // "Rechnung ÄÖÜ Invoice"
        message("Status report", `${run}\r\n`, "Cc: =?iso-8859-1?Q?J=FCrgen?= <j@example.org>\r\n"), // "Jürgen"
        message("INVOICE\r\n  folded", `${run}\r\n`),
      ];
      for (const raw of raws) await backend.mailboxes.append(userId, "INBOX", raw);
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      const cases: [string, string][] = [
        ["SEARCH SUBJECT invoice", "1 3"],
        ["SEARCH SUBJECT \"invoice folded\"", "3"],
        ["SEARCH SUBJECT \"report\"", "2"],
        ["SEARCH CC j\u00fcrgen", "2"],
        ["SEARCH SUBJECT \u00e4\u00f6\u00fc", "1"],
        ["SEARCH HEADER X-Empty \"\"", "1"],
        ["SEARCH HEADER Cc \"\"", "2"],
        ["SEARCH NOT HEADER X-Empty \"\"", "2 3"],
        ["SEARCH FROM BOB TO alice", "1 2 3"],
      ];
      const answers = async (round: string) => {
        const out: string[] = [];
        for (const [i, [query]] of cases.entries()) {
          const tag = `${round}${i}`;
          // A non-ASCII value goes as a UTF-8 literal (LITERAL+).
          const m = /^(.* )(\S*[^\p{ASCII}]\S*)$/u.exec(query);
          const reply = m === null ? await c.cmd(tag, query) : await c.send(`${tag} ${m[1]}{${Buffer.byteLength(m[2]!)}+}\r\n${m[2]}\r\n`, tag);
          out.push(/^\* SEARCH ?([\d ]*)\r$/m.exec(reply)?.[1]?.trim() ?? reply);
        }
        return out;
      };
      const first = await answers("f");
      assert.deepEqual(first, cases.map(([, expected]) => expected));
      const read = reads.raw;
      assert.ok(read > 0);
      assert.deepEqual(await answers("s"), first);
      assert.equal(reads.raw, read, "the second round reads no header");
      await c.cmd("z", "LOGOUT");
    });

    it("finds a body expunged and delivered again from the fields kept for it", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads } = server;
      const raw = message(`Invoice ${randomUUID()}`);
      await backend.mailboxes.append(userId, "INBOX", raw);
      await backend.mailboxes.append(userId, "INBOX", message("Other", `${randomUUID()}\r\n`));
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      assert.match(await c.cmd("a1", "UID SEARCH SUBJECT invoice"), /^\* SEARCH 1\r\n/m);
      await c.cmd("a2", "STORE 1 +FLAGS.SILENT (\\Deleted)");
      assert.match(await c.cmd("a3", "EXPUNGE"), /^\* 1 EXPUNGE\r\n/m);
      assert.match(await c.cmd("a4", "UID SEARCH SUBJECT invoice"), /^\* SEARCH\r\n/m);
      const read = reads.raw;
      await backend.mailboxes.append(userId, "INBOX", raw);
      await c.cmd("a5", "NOOP");
      assert.match(await c.cmd("a6", "UID SEARCH SUBJECT invoice"), /^\* SEARCH 3\r\n/m);
      assert.equal(reads.raw, read, "the same bytes: answered from what was kept");
      await c.cmd("z", "LOGOUT");
    });
  });
});
