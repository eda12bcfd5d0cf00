// FETCH of summaries (ENVELOPE, BODYSTRUCTURE, BODY) answers from strings kept formatted per
// body: a repeated FETCH reads no summary, the answers are the bytes the per-item path sends,
// and the kept strings are bounded (least recently used leave first).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { indexMessage, type MessageSummary } from "../../../src/mail/mime/index-message.js";
import { FormattedSummaries } from "../../../src/protocols/imap/formatted-summaries.js";
import { forEachDialect } from "../../support/stores.js";
import { message, RawImap, startTestImap } from "./harness.js";

function summaryOf(raw: Buffer): MessageSummary {
  const { bodyText: _text, ...summary } = indexMessage(raw);
  return summary;
}

/** The "* n FETCH (…)" responses of a reply, by sequence number, with literals kept in place. */
function fetchLines(reply: string): string[] {
  return reply.split(/\r\n(?=\* \d+ FETCH |\w+ OK )/).filter((l) => /^\* \d+ FETCH /.test(l));
}

describe("FormattedSummaries", () => {
  const one = summaryOf(message("One"));
  const two = summaryOf(message("Two", "Second body.\r\n", "Content-Type: text/html; charset=utf-8\r\n"));

  it("formats an item once and keeps it", () => {
    const kept = new FormattedSummaries();
    let asked = 0;
    const summary = () => (asked++, one);
    const first = kept.item("h1", "ENVELOPE", summary);
    assert.match(first, /^\("Thu, 26 Nov 2026 12:00:00 \+0000" "One" /);
    assert.equal(kept.item("h1", "ENVELOPE", summary), first);
    assert.equal(asked, 1);
    assert.match(kept.item("h1", "BODYSTRUCTURE", summary), /^\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" \d+ \d+ NIL NIL NIL NIL\)$/);
    assert.match(kept.item("h1", "BODY", summary), /^\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" \d+ \d+\)$/);
    assert.equal(asked, 3);
    assert.deepEqual(Object.keys(kept.kept("h1") ?? {}).sort(), ["BODY", "BODYSTRUCTURE", "ENVELOPE", "bytes"]);
  });

  it("lets the least recently used entry go past its entry limit, and a held entry keeps its strings", () => {
    const kept = new FormattedSummaries(2);
    kept.item("a", "ENVELOPE", () => one);
    kept.item("b", "ENVELOPE", () => two);
    const held = kept.kept("a"); // a is now the more recent
    kept.item("c", "ENVELOPE", () => one);
    assert.equal(kept.size, 2);
    assert.equal(kept.kept("b"), undefined);
    assert.ok(kept.kept("a") !== undefined && kept.kept("c") !== undefined);
    kept.item("d", "ENVELOPE", () => two);
    kept.item("e", "ENVELOPE", () => two);
    assert.equal(kept.kept("a"), undefined);
    assert.match(held?.ENVELOPE ?? "", / "One" /);
  });

  it("keeps a header once, in a buffer of its own, counted against the byte limit", () => {
    const kept = new FormattedSummaries(100, 3000);
    const pooled = Buffer.from("Subject: x\r\n\r\n");
    assert.ok(pooled.buffer.byteLength > pooled.length, "a small Buffer.from is a view of Node's pool");
    kept.keepHeader("a", pooled);
    const header = kept.kept("a")?.header;
    assert.equal(header?.toString(), "Subject: x\r\n\r\n");
    assert.equal(header?.buffer.byteLength, header?.length, "not the pool's slab");
    kept.keepHeader("a", Buffer.from("other"));
    assert.equal(kept.kept("a")?.header?.toString(), "Subject: x\r\n\r\n", "a body's header never changes: kept once");
    for (const hash of ["b", "c", "d", "e"]) kept.keepHeader(hash, Buffer.alloc(1000, 0x41));
    assert.ok(kept.size < 4, `kept ${kept.size}`);
    assert.equal(kept.kept("a"), undefined, "least recently used first");
    assert.ok(kept.kept("e")?.header);
  });

  it("lets entries go past its byte limit", () => {
    const kept = new FormattedSummaries(100, 1000);
    for (const hash of ["a", "b", "c", "d"]) kept.item(hash, "BODYSTRUCTURE", () => two);
    assert.ok(kept.size >= 1 && kept.size < 4, `kept ${kept.size}`);
    assert.equal(kept.kept("a"), undefined);
    assert.ok(kept.kept("d") !== undefined);
  });
});

forEachDialect((_dialect, open) => {
  describe("FETCH of summaries", () => {
    it("reads each summary once, then answers a repeated FETCH from kept strings with the same bytes as the per-item path", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads } = server;
      // Bodies of their own (kept strings are per process): 250 messages, more than one batch,
      // with an 8-bit Subject (a literal whose length counts UTF-8 bytes) and a multipart.
      const run = randomUUID();
      const count = 250;
      for (let i = 1; i <= count; i++) {
        const raw =
          i === 7
            ? Buffer.from(`From: Bob <bob@example.net>\r\nSubject: Grüße ${run}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n--XX\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--XX--\r\n`)
            : message(`Note ${i} ${run} "quoted" back\\slash`);
        await backend.mailboxes.append(userId, "INBOX", raw, [], Date.UTC(2026, 2, 1, 12));
      }
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      const items = "FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY";
      const before = reads.index;
      // The first half formatted by the summary path, the second by the per-item path (a body
      // section asked for too), then all of it again from the kept strings: the same bytes.
      const firstHalf = fetchLines(await c.cmd("a1", `FETCH 1:125 (${items})`));
      assert.equal(firstHalf.length, 125);
      assert.equal(reads.index - before, 125);
      const perItem = fetchLines(await c.cmd("a2", `FETCH 1:* (${items} BODY.PEEK[HEADER.FIELDS (X-None)])`));
      assert.equal(perItem.length, count);
      const afterPerItem = reads.index;
      const all = fetchLines(await c.cmd("a3", `FETCH 1:* (${items})`));
      assert.equal(reads.index, afterPerItem, "a repeated FETCH reads no summary");
      assert.deepEqual(all.slice(0, 125), firstHalf);
      assert.deepEqual(
        perItem.map((l) => l.replace(/ BODY\[HEADER\.FIELDS \(X-None\)\] \{2\}\r\n\r\n\)$/, ")")),
        all,
      );
      assert.deepEqual(fetchLines(await c.cmd("a4", `FETCH 1:* (${items})`)), all);
      // The client reads latin1 here: "Grüße " is 8 bytes of UTF-8, the UUID 36.
      assert.match(all[6]!, /ENVELOPE \(NIL \{44\}\r\nGr\u00c3\u00bc\u00c3\u009fe [-\w]{36} \(\("Bob" /);
      assert.match(all[6]!, /BODYSTRUCTURE \(\("text" "plain" \("charset" "utf-8"\) NIL NIL "7bit" 5 0 NIL NIL NIL NIL\)\("application" "pdf" \("name" "a\.pdf"\) NIL NIL "base64" 4 NIL \("attachment" \("filename" "a\.pdf"\)\) NIL NIL\) "mixed" \("boundary" "XX"\) NIL NIL NIL\)/);
      assert.match(all[0]!, /^\* 1 FETCH \(FLAGS \(\\Recent\) UID 1 RFC822\.SIZE \d+ ENVELOPE \("Thu, 26 Nov 2026 12:00:00 \+0000" "Note 1 [-\w]+ \\"quoted\\" back\\\\slash" /);
      await c.cmd("z", "LOGOUT");
    });
  });
});

forEachDialect((_dialect, open) => {
  describe("FETCH of header sections", () => {
    it("answers HEADER, HEADER.FIELDS (.NOT) and RFC822.HEADER of a range from the kept headers, with the bytes the whole message gives", async (t) => {
      const server = await startTestImap(t, { open });
      const { backend, userId, reads } = server;
      const run = randomUUID();
      // A folded field, an 8-bit one, a header without a blank line, and one too long to be kept
      // apart at delivery (over 64 KiB: read from the whole message instead).
      const long = Array.from({ length: 1200 }, (_, i) => `X-Filler-${i}: ${"f".repeat(50)}\r\n`).join("");
      const raws = [
        message(`One ${run}`, "Body one.\r\n", "X-Folded: a\r\n b\r\n"),
        Buffer.from(`From: Bob <bob@example.net>\r\nSubject: Grüße ${run}\r\nTo: a@example.com\r\n\r\nHallo\r\n`),
        Buffer.from(`Subject: Only a header ${run}\r\nFrom: c@example.net\r\n`),
        message(`Long ${run}`, "Body.\r\n", long),
      ];
      for (const raw of raws) await backend.mailboxes.append(userId, "INBOX", raw, [], Date.UTC(2026, 2, 1, 12));
      const c = await RawImap.login(server.port);
      await c.cmd("a0", "SELECT INBOX");
      const items = "UID BODY.PEEK[HEADER.FIELDS (SUBJECT X-FOLDED)] BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT DATE)] BODY.PEEK[HEADER]<10.40> RFC822.HEADER";
      const before = { ...reads };
      const kept = fetchLines(await c.cmd("a1", `FETCH 1:* (${items})`));
      assert.equal(kept.length, 4);
      assert.equal(reads.headers - before.headers, 4, "the kept headers, in one batch");
      assert.equal(reads.index - before.index, 1, "a summary only for the header too long to keep");
      assert.equal(reads.whole - before.whole, 1, "and the whole message only for it");
      // Again: the headers read are kept by the process (a body's bytes never change).
      const again = { ...reads };
      assert.deepEqual(fetchLines(await c.cmd("a1b", `FETCH 1:* (${items})`)), kept);
      assert.equal(reads.headers - again.headers, 1, "no header read again but the one the store keeps none of");
      // The same items with a section of the body: every message read whole, the same bytes.
      const whole = fetchLines(await c.cmd("a2", `FETCH 1:* (${items} BODY.PEEK[TEXT]<0.1>)`));
      assert.deepEqual(
        whole.map((l) => l.replace(/ BODY\[TEXT\]<0> (\{1\}\r\n.|\{0\}\r\n)\)$/s, ")")),
        kept,
      );
      assert.match(kept[0]!, /BODY\[HEADER\.FIELDS \(SUBJECT X-FOLDED\)\] \{\d+\}\r\nSubject: One [-\w]{36}\r\nX-Folded: a\r\n b\r\n\r\n/, "in the message's order, folded as it is");
      assert.match(kept[2]!, /BODY\[HEADER\.FIELDS \(SUBJECT X-FOLDED\)\] \{\d+\}\r\nSubject: Only a header [-\w]{36}\r\n /, "no blank line added to a header that had none");
      assert.match(kept[3]!, /RFC822\.HEADER \{(\d+)\}\r\n/);
      assert.ok(Number(/RFC822\.HEADER \{(\d+)\}/.exec(kept[3]!)![1]) > 64 * 1024);
      // Without PEEK the messages become \Seen, and FLAGS comes with the header.
      assert.match(await c.cmd("a3", "FETCH 2 (BODY[HEADER.FIELDS (FROM)])"), /\* 2 FETCH \(BODY\[HEADER\.FIELDS \(FROM\)\] \{\d+\}\r\nFrom: Bob <bob@example\.net>\r\n\r\n FLAGS \(\\Seen \\Recent\)\)/);
      await c.cmd("z", "LOGOUT");
    });
  });
});
