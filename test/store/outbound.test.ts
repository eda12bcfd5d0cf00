// The outbound queue and DKIM key repositories, run unchanged against SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewOutboundMessage } from "../../src/core/ports/queue.js";
import type { Store } from "../../src/core/ports/store.js";
import { forEachDialect } from "../support/stores.js";
import { T0, address, domainName } from "./helpers.js";

const lease = 60_000;

function message(overrides: Partial<NewOutboundMessage> = {}): NewOutboundMessage {
  return {
    blobHash: "a".repeat(64),
    size: 100,
    mailFrom: address("alice@example.com"),
    recipients: [address("bob@remote.example"), address("carol@other.example")],
    originKind: "submission",
    envelopeId: "env-1",
    isBounce: false,
    smtpUtf8: false,
    body8bit: false,
    now: T0,
    ...overrides,
  };
}

const enqueue = (store: Store, overrides: Partial<NewOutboundMessage> = {}) =>
  store.transaction((tx) => tx.outbound.enqueue(message(overrides)));

forEachDialect((dialect, open) => {
  describe(`outbound queue on ${dialect}`, () => {
    it("enqueues a message with one queued recipient per address, due at once", async (t) => {
      const store = await open(t);
      const { message: m, recipients } = await enqueue(store);
      assert.deepEqual(await store.outbound.findMessage(m.id), m);
      assert.equal(m.fromDomain, "example.com");
      assert.equal(m.isBounce, false);
      assert.equal(m.dkimSigned, false);
      assert.deepEqual(
        recipients.map((r) => [r.address, r.domain, r.status, r.attempts, r.nextAttemptAt]),
        [
          ["bob@remote.example", "remote.example", "queued", 0, T0],
          ["carol@other.example", "other.example", "queued", 0, T0],
        ],
      );
      const bounce = await enqueue(store, { mailFrom: null, isBounce: true, originKind: "system", envelopeId: null });
      assert.equal(bounce.message.mailFrom, null);
      assert.equal(bounce.message.fromDomain, null);
      assert.equal(bounce.message.isBounce, true);
    });

    it("rolls the enqueue back with the caller's transaction", async (t) => {
      const store = await open(t);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.outbound.enqueue(message());
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.deepEqual(await store.outbound.list({ limit: 10 }), []);
    });

    it("claims only due recipients, each once, and marks them delivering until the lease", async (t) => {
      const store = await open(t);
      await enqueue(store);
      await enqueue(store, { now: T0 + 10_000 });
      const first = await store.outbound.claimDue(T0, 10, T0 + lease);
      assert.equal(first.length, 2, "the later message is not due yet");
      assert.ok(first.every((r) => r.status === "delivering" && r.nextAttemptAt === T0 + lease));
      assert.deepEqual(await store.outbound.claimDue(T0, 10, T0 + lease), [], "claimed rows are not handed out twice");
      const later = await store.outbound.claimDue(T0 + 10_000, 1, T0 + lease);
      assert.equal(later.length, 1, "the limit holds");
      assert.deepEqual((await store.outbound.counts()).delivering, 3);
    });

    it("lets concurrent claims split the due rows without overlap", async (t) => {
      const store = await open(t);
      for (let i = 0; i < 5; i++) await enqueue(store);
      const claims = await Promise.all([1, 2, 3, 4].map(() => store.outbound.claimDue(T0, 3, T0 + lease)));
      const ids = claims.flat().map((r) => r.id);
      assert.equal(ids.length, 10);
      assert.equal(new Set(ids).size, 10);
    });

    it("records delivered, deferred and failed results, counting attempts, only for claimed rows", async (t) => {
      const store = await open(t);
      await enqueue(store, { recipients: ["a", "b", "c"].map((l) => address(`${l}@remote.example`)) });
      const [a, b, c] = await store.outbound.claimDue(T0, 10, T0 + lease);
      assert.ok(a && b && c);
      assert.equal(await store.outbound.markDelivered(a.id, T0 + 1), true);
      assert.equal(await store.outbound.markDeferred(b.id, T0 + 1, T0 + 300_000, "451 4.3.0 try\r\nagain"), true);
      assert.equal(await store.outbound.markFailed(c.id, T0 + 1, "550 5.1.1 no such user", "bounced"), true);
      assert.equal(await store.outbound.markDelivered(a.id, T0 + 2), false, "no longer delivering");
      const rows = new Map((await store.outbound.list({ limit: 10 })).map((r) => [r.id, r]));
      assert.deepEqual(
        [rows.get(a.id), rows.get(b.id), rows.get(c.id)].map((r) => r && [r.status, r.attempts, r.lastError, r.lastAttemptAt, r.deliveredAt]),
        [
          ["delivered", 1, null, T0 + 1, T0 + 1],
          ["queued", 1, "451 4.3.0 try again", T0 + 1, null],
          ["bounced", 1, "550 5.1.1 no such user", T0 + 1, null],
        ],
      );
      assert.equal(rows.get(b.id)?.nextAttemptAt, T0 + 300_000);
      assert.equal(await store.outbound.nextDue(), T0 + 300_000);
      assert.deepEqual(await store.outbound.counts(), { queued: 1, delivering: 0, delivered: 1, failed: 0, bounced: 1 });
      assert.deepEqual((await store.outbound.list({ status: "queued", limit: 10 })).map((r) => r.id), [b.id]);
    });

    it("returns delivering rows whose lease lapsed (a crashed runner) to the queue, and no others", async (t) => {
      const store = await open(t);
      await enqueue(store, { recipients: [address("a@remote.example")] });
      await store.outbound.claimDue(T0, 10, T0 + lease);
      await enqueue(store, { recipients: [address("b@remote.example")], now: T0 + 30_000 });
      await store.outbound.claimDue(T0 + 30_000, 10, T0 + 30_000 + lease);
      assert.equal(await store.outbound.recoverStale(T0 + lease - 1), 0, "leases still running");
      assert.equal(await store.outbound.recoverStale(T0 + lease), 1);
      const again = await store.outbound.claimDue(T0 + lease, 10, T0 + 2 * lease);
      assert.deepEqual(again.map((r) => r.address), ["a@remote.example"]);
    });

    it("records the signed copy once", async (t) => {
      const store = await open(t);
      const { message: m } = await enqueue(store);
      assert.equal(await store.outbound.setSignedBlob(m.id, "b".repeat(64), 150), true);
      assert.equal(await store.outbound.setSignedBlob(m.id, "c".repeat(64), 150), false);
      const after = await store.outbound.findMessage(m.id);
      assert.deepEqual([after?.blobHash, after?.size, after?.dkimSigned], ["b".repeat(64), 150, true]);
    });

    it("prunes old messages whose recipients are all final, with their recipients", async (t) => {
      const store = await open(t);
      const done = await enqueue(store, { recipients: [address("a@remote.example")] });
      const pending = await enqueue(store, { recipients: [address("b@remote.example")] });
      const claimed = await store.outbound.claimDue(T0, 10, T0 + lease);
      const a = claimed.find((r) => r.messageId === done.message.id);
      assert.ok(a);
      await store.outbound.markDelivered(a.id, T0);
      assert.equal(await store.outbound.prune(T0), 0, "not older than the cut-off");
      assert.equal(await store.outbound.prune(T0 + 1), 1);
      assert.equal(await store.outbound.findMessage(done.message.id), undefined);
      assert.ok(await store.outbound.findMessage(pending.message.id));
      assert.deepEqual((await store.outbound.list({ limit: 10 })).map((r) => r.address), ["b@remote.example"]);
    });
  });

  describe(`DKIM keys on ${dialect}`, () => {
    it("stores keys per domain and selector, newest first, and drops them with the domain", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const other = await store.domains.create(domainName("example.org"), T0);
      const key = { domainId: d.id, selector: "moat", privateKeySealed: "PEM1", publicKeyB64: "PUB1", now: T0 };
      assert.equal(await store.dkimKeys.create(key), true);
      assert.equal(await store.dkimKeys.create({ ...key, privateKeySealed: "PEM2" }), false, "one key per selector");
      assert.equal(await store.dkimKeys.create({ ...key, selector: "moat2", privateKeySealed: "PEM3", publicKeyB64: "PUB3", now: T0 + 1 }), true);
      assert.equal(await store.dkimKeys.findForDomain(domainName("example.org")), undefined);
      assert.deepEqual(await store.dkimKeys.findForDomain(domainName("example.com")), {
        domainId: d.id,
        domain: "example.com",
        selector: "moat2",
        privateKeySealed: "PEM3",
        publicKeyB64: "PUB3",
        createdAt: T0 + 1,
      });
      assert.deepEqual((await store.dkimKeys.list(d.id)).map((k) => k.selector), ["moat2", "moat"]);
      await store.domains.remove(d.id);
      assert.deepEqual(await store.dkimKeys.list(d.id), []);
      assert.deepEqual(await store.dkimKeys.list(other.id), []);
    });
  });
});
