// Bodies stored over another (migration 0021, decision 0027): every read of the message
// repository gives a shared row's whole bytes, index and text exactly as for the same body
// stored whole; only a whole inline body can be a base; the base stays while a row needs it
// and goes with the last.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, it } from "node:test";
import { putOver } from "../../src/core/mailstore/shared-body.js";
import type { PreparedBody } from "../../src/core/mailstore/service.js";
import type { Store } from "../../src/core/ports/store.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { monitorFields, reportMessage, warningFields } from "../support/monitor-copy.js";
import { forEachDialect } from "../support/stores.js";
import { openStore } from "../../src/store/open.js";
import { addUser, domainName, T0 } from "./helpers.js";


const summaryOf = (body: PreparedBody) => {
  const { bodyText: _text, ...summary } = body.index;
  return summary;
};

const whole = (body: PreparedBody) => ({ hash: body.hash, size: body.size, inline: body.inline, index: body.index, header: body.header, now: T0 });

/** Everything the message repository answers about the body stored under `h` (its key left out). */
async function reads(store: Store, h: string, size: number) {
  const top = Buffer.byteLength(monitorFields);
  const lengths = [1, top - 1, top, top + 1, 200, size, size + 100];
  const body = await store.messages.getBody(h);
  return {
    inline: await store.messages.getInline(h),
    inlineMany: [...(await store.messages.getInlineMany([h, "absent"])).values()],
    body: body && { ...body, hash: body.hash === h },
    summary: await store.messages.getSummary(h),
    summaries: [...(await store.messages.getSummaries([h])).values()],
    text: await store.messages.getBodyText(h),
    texts: [...(await store.messages.getBodyTexts([h, h, "absent"])).values()],
    headers: [...(await store.messages.getHeaders([h])).values()],
    prefixes: await Promise.all(lengths.map(async (n) => [...(await store.messages.getPrefixes([h], n)).values()])),
    exists: await store.messages.hasBody(h),
  };
}

forEachDialect((dialect, open) => {
  describe(`bodies stored over another on ${dialect}`, () => {
    async function prepared(t: Parameters<typeof open>[0], store: Store) {
      const { mailstore } = coreFor(t, store, new TestClock());
      const original = await mailstore.prepare(reportMessage);
      return {
        mailstore,
        original,
        base: await mailstore.prepareWithHeader(original, reportMessage, warningFields),
        copy: await mailstore.prepareWithHeader(original, reportMessage, monitorFields),
      };
    }

    it("reads byte for byte as the same body stored whole, through every read", async (t) => {
      const sharing = await open(t);
      const plain = await open(t);
      const { mailstore, base, copy } = await prepared(t, sharing);
      const key = await sharing.transaction(async (tx) => {
        await mailstore.keep(tx, base);
        return putOver(tx, copy, [base], T0);
      });
      assert.ok(key !== null && key.startsWith(`${base.hash}.`), "keyed next to its base");
      await plain.transaction((tx) => tx.messages.putBody(whole(copy)));
      const got = await reads(sharing, key, copy.size);
      assert.deepEqual(got, await reads(plain, copy.hash, copy.size));
      assert.deepEqual(got.inline, Buffer.concat([Buffer.from(monitorFields), reportMessage]));
      assert.match(got.text ?? "", /the figures are attached/);
      // The base reads as before.
      assert.deepEqual(await sharing.messages.getInline(base.hash), Buffer.concat([Buffer.from(warningFields), reportMessage]));
    });

    it("shares only with a whole inline body whose bytes end as the copy's", async (t) => {
      const store = await open(t);
      const { mailstore, original, base, copy } = await prepared(t, store);
      const other = await mailstore.prepare(Buffer.concat([reportMessage, Buffer.from("one more line\r\n")]));
      const key = await store.transaction(async (tx) => {
        // Not stored yet, different bytes below the fields, or a base without its bytes inline: stored whole instead.
        assert.equal(await putOver(tx, copy, [base], T0), null);
        await mailstore.keep(tx, other);
        assert.equal(await putOver(tx, copy, [other], T0), null);
        await tx.messages.putBody({ ...whole(original), inline: null });
        assert.equal(await putOver(tx, copy, [original], T0), null);
        await mailstore.keep(tx, base);
        const key = (await putOver(tx, copy, [base], T0))!;
        assert.ok(key);
        // A body stored over another is no base.
        const again = await mailstore.prepareWithHeader(original, reportMessage, 'X-Moat-Monitor: rule="second"\r\n');
        assert.equal(await putOver(tx, again, [{ ...copy, hash: key }], T0), null);
        // The same copy again: the same row.
        assert.equal(await putOver(tx, copy, [base], T0), key);
        return key;
      });
      assert.deepEqual(await store.messages.getInline(key), copy.inline);
    });

    it("derives a copy's index from its base's only when both are fields on top of one message", async (t) => {
      const store = await open(t);
      const { mailstore, original, base, copy } = await prepared(t, store);
      // Fields other than X- ones on top: prepared afresh, with an index of its own (the Subject on
      // top is the one the envelope gives); a copy stored over it must not take that index.
      const rewritten = await mailstore.prepareWithHeader(original, reportMessage, "Subject: rewritten\r\n");
      const keys = await store.transaction(async (tx) => {
        await mailstore.keep(tx, base);
        await mailstore.keep(tx, rewritten);
        await mailstore.keep(tx, original);
        return { overBase: (await putOver(tx, copy, [base], T0))!, overRewritten: (await putOver(tx, copy, [rewritten], T0))!, overOriginal: (await putOver(tx, copy, [original], T0))! };
      });
      assert.equal(rewritten.index.subject, "rewritten");
      for (const key of Object.values(keys)) {
        assert.ok(key.includes("."), "stored over a base");
        assert.deepEqual(await store.messages.getSummary(key), summaryOf(copy), key);
        assert.deepEqual([...(await store.messages.getHeaders([key])).values()], [copy.header], key);
      }
      const both = await store.messages.getSummaries([keys.overBase, keys.overRewritten, keys.overBase]);
      assert.deepEqual([...both.values()], [summaryOf(copy), summaryOf(copy)]);
    });

    it("trusts a base without reading its row only when this transaction inserted it whole", async (t) => {
      const store = await open(t);
      const { mailstore, base, copy } = await prepared(t, store);
      const domain = await store.domains.create(domainName("example.com"), T0);
      const user = await addUser(store, domain, "boss");
      await store.transaction((tx) => mailstore.createDefaultMailboxes(tx, user.id));
      const inbox = (await store.mailboxes.findByName(user.id, "INBOX"))!;
      const stored = async (body: PreparedBody) => (await store.messages.list((await store.mailboxes.findByName(user.id, "Copies"))!.id)).map((m) => m.bodyHash).includes(body.hash);
      // The base's row was there before, with its bytes in the blob store: deliver() inserts nothing, so it is checked, and the copy is stored whole.
      await store.transaction((tx) => tx.messages.putBody({ ...whole(base), inline: null }));
      await store.transaction(async (tx) => {
        await mailstore.deliver(tx, base, [{ userId: user.id, mailboxId: inbox.id }]);
        await mailstore.deliverOver(tx, copy, [base], user.address, "Copies");
      });
      assert.equal(await stored(copy), true, "stored whole under its own hash");
      // Inserted whole by this transaction: shared.
      const fresh = await mailstore.prepareWithHeader(await mailstore.prepare(reportMessage), reportMessage, "X-Other: mark\r\n");
      const again = await mailstore.prepareWithHeader(await mailstore.prepare(reportMessage), reportMessage, monitorFields);
      const row = await store.transaction(async (tx) => {
        await mailstore.deliver(tx, fresh, [{ userId: user.id, mailboxId: inbox.id }]);
        return (await mailstore.deliverOver(tx, again, [fresh], user.address, "Copies"))!.stored;
      });
      assert.ok(row.bodyHash.startsWith(`${fresh.hash}.`), "stored over the body just inserted");
      assert.deepEqual(await store.messages.getInline(row.bodyHash), again.inline);
    });

    it("keeps a base while a body is stored over it and releases it with the last", async (t) => {
      const store = await open(t);
      const { mailstore, original, base, copy } = await prepared(t, store);
      const large = await mailstore.prepare(Buffer.from("Subject: in the blob store\r\n\r\nx\r\n"));
      const key = await store.transaction(async (tx) => {
        await mailstore.keep(tx, base);
        await tx.messages.putBody({ ...whole(large), inline: null });
        return (await putOver(tx, copy, [base], T0))!;
      });
      assert.deepEqual(await store.transaction((tx) => tx.messageState.releaseBodies([base.hash])), []);
      assert.equal(await store.messages.hasBody(base.hash), true, "the copy needs it");
      // Only bodies of the blob store are named for removal: a shared row has no blob.
      assert.deepEqual(await store.transaction((tx) => tx.messageState.releaseBodies([key, large.hash, original.hash])), [large.hash]);
      for (const hash of [base.hash, key, large.hash]) assert.equal(await store.messages.hasBody(hash), false);
      assert.equal(await store.messages.getBodyText(base.hash), undefined);
      assert.deepEqual([...(await store.messages.getSummaries([base.hash, key]))], []);
    });
  });
});

describe("bodies stored over another, in the SQLite file", () => {
  it("writes no index row for a copy whose index is its base's with other fields on top", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-shared-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "moat.db");
    const store = await openStore({ sqlitePath: file });
    t.after(() => store.close());
    const { mailstore } = coreFor(t, store, new TestClock());
    const original = await mailstore.prepare(reportMessage);
    const base = await mailstore.prepareWithHeader(original, reportMessage, warningFields);
    const copy = await mailstore.prepareWithHeader(original, reportMessage, monitorFields);
    const elsewhere = await mailstore.prepareWithHeader(await mailstore.prepare(reportMessage), reportMessage, 'X-Moat-Monitor: rule="second"\r\n');
    const keys = await store.transaction(async (tx) => {
      await mailstore.keep(tx, base);
      return [(await putOver(tx, copy, [base], T0))!, (await putOver(tx, elsewhere, [base], T0))!];
    });
    const db = new Database(file, { readonly: true });
    t.after(() => db.close());
    const indexRows = (hash: string) => (db.prepare("select count(*) as n from message_index where hash = ?").get(hash) as { n: number }).n;
    // Prepared from the same message as the base: derived on read. From another preparation of
    // the same bytes: the store cannot know the indexes agree, so the copy keeps its own.
    assert.deepEqual(keys.map(indexRows), [0, 1]);
    assert.equal(indexRows(base.hash), 1);
    assert.deepEqual(await store.messages.getSummary(keys[0]!), summaryOf(copy));
    assert.deepEqual(await store.messages.getSummary(keys[1]!), summaryOf(elsewhere));
  });
});
