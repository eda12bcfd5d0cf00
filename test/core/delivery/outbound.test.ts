// The outbound runner end to end: the queue in a real store (both dialects), the real SMTP
// client, and a local sink server reached through a static route. A TestClock drives retries
// and give-up, so nothing waits for real backoff.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it, type TestContext } from "node:test";
import { authenticate } from "mailauth";
import { simpleParser } from "mailparser";
import { createAesGcmSealer } from "../../../src/adapters/secrets/aes-gcm-sealer.js";
import { DkimService } from "../../../src/core/delivery/dkim.js";
import { OutboundDelivery, type OutboundDeliveryOptions } from "../../../src/core/delivery/outbound.js";
import { routeTable } from "../../../src/core/delivery/routes.js";
import type { Envelope } from "../../../src/core/flow/types.js";
import type { NewOutboundMessage } from "../../../src/core/ports/queue.js";
import type { Store } from "../../../src/core/ports/store.js";
import { createSmtpTransport } from "../../../src/protocols/smtp/client/transport.js";
import { TestClock } from "../../support/clock.js";
import { forEachDialect } from "../../support/stores.js";
import { address, domainName } from "../../store/helpers.js";
import { MemoryBlobStore, fixedDns, startSink, type Sink } from "./sink.js";

const minute = 60_000;
const message = Buffer.from(
  "From: Alice <alice@example.com>\r\nTo: bob@remote.example\r\nSubject: Quarterly numbers\r\nMessage-ID: <q1@example.com>\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\nHello Bob,\r\nthe numbers.\r\n",
);

interface Harness {
  store: Store;
  clock: TestClock;
  blobs: MemoryBlobStore;
  sink: Sink;
  bounces: Array<{ envelope: Envelope; message: Buffer }>;
  runner: (overrides?: Partial<OutboundDeliveryOptions>) => OutboundDelivery;
  enqueue: (overrides?: Partial<NewOutboundMessage>, bytes?: Buffer) => Promise<void>;
  statuses: () => Promise<Record<string, string>>;
}

async function harness(t: TestContext, open: (t: TestContext) => Promise<Store>): Promise<Harness> {
  const store = await open(t);
  const clock = new TestClock();
  const blobs = new MemoryBlobStore();
  const sink = await startSink(t);
  const bounces: Harness["bounces"] = [];
  const transport = createSmtpTransport({ connectTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 });
  const runner = (overrides: Partial<OutboundDeliveryOptions> = {}) =>
    new OutboundDelivery({
      store,
      blobs,
      transport,
      dns: fixedDns({}),
      clock,
      hostname: "mx.example.com",
      retry: { firstMs: 5 * minute, maxMs: 240 * minute, giveUpMs: 120 * 60 * minute },
      routes: routeTable({ routes: [`remote.example=127.0.0.1:${sink.port}`], smarthost: "" }),
      requireTls: false,
      concurrency: 4,
      submitBounce: async (envelope, bytes) => void bounces.push({ envelope, message: bytes }),
      ...overrides,
    });
  const enqueue = async (overrides: Partial<NewOutboundMessage> = {}, bytes: Buffer = message) => {
    const ref = await blobs.put(bytes);
    await store.transaction((tx) =>
      tx.outbound.enqueue({
        blobHash: ref.hash,
        size: ref.size,
        mailFrom: address("alice@example.com"),
        recipients: [address("bob@remote.example")],
        originKind: "submission",
        envelopeId: "env-1",
        isBounce: false,
        smtpUtf8: false,
        body8bit: false,
        now: clock.now(),
        ...overrides,
      }),
    );
  };
  const statuses = async () => Object.fromEntries((await store.outbound.list({ limit: 100 })).map((r) => [r.address, r.status]));
  return { store, clock, blobs, sink, bounces, runner, enqueue, statuses };
}

forEachDialect((dialect, open) => {
  describe(`outbound delivery on ${dialect}`, () => {
    it("delivers over opportunistic TLS with a DKIM signature the receiver verifies", async (t) => {
      const h = await harness(t, open);
      const domain = await h.store.domains.create(domainName("example.com"), h.clock.now());
      const dkim = new DkimService(h.store, h.clock, "moat", createAesGcmSealer(randomBytes(32), "test key"));
      const record = await dkim.dnsRecord("example.com");
      assert.equal(record.name, "moat._domainkey.example.com");
      assert.equal((await dkim.ensureKey(domain)).selector, "moat", "a second call keeps the key");
      await h.enqueue();
      assert.equal(await h.runner({ dkim }).runOnce(), 1);

      assert.equal(h.sink.received.length, 1);
      const got = h.sink.received[0]!;
      assert.deepEqual([got.from, got.to, got.secure], ["alice@example.com", ["bob@remote.example"], true]);
      assert.match(got.raw.toString(), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example.com;/);
      assert.ok(got.raw.subarray(got.raw.indexOf("From:")).equals(message), "the message itself is unchanged");
      const auth = await authenticate(got.raw, {
        ip: "127.0.0.1",
        helo: "mx.example.com",
        sender: "alice@example.com",
        mta: "sink.remote.example",
        disableArc: true,
        disableBimi: true,
        resolver: async (name: string, type: string) => {
          if (name === record.name && type === "TXT") return [record.strings as string[]];
          throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
        },
      });
      assert.equal(auth.dkim.results[0]?.status.result, "pass", JSON.stringify(auth.dkim.results[0]?.status));
      assert.equal(auth.dkim.results[0]?.signingDomain, "example.com");

      assert.deepEqual(await h.statuses(), { "bob@remote.example": "delivered" });
      const [row] = await h.store.outbound.list({ limit: 1 });
      assert.deepEqual([row?.attempts, row?.deliveredAt, row?.lastError], [1, h.clock.now(), null]);
      const stored = await h.store.outbound.findMessage(row!.messageId);
      assert.equal(stored?.dkimSigned, true, "the signed copy is kept, so retries send the same bytes");
      assert.ok((await h.blobs.get(stored!.blobHash)).equals(got.raw));
    });

    it("retries after the receiver was down, on the backoff schedule", async (t) => {
      const h = await harness(t, open);
      const runner = h.runner();
      h.sink.down = true;
      await h.enqueue();
      await runner.runOnce();
      const [deferred] = await h.store.outbound.list({ limit: 1 });
      assert.deepEqual([deferred?.status, deferred?.attempts, deferred?.nextAttemptAt], ["queued", 1, h.clock.now() + 5 * minute]);
      assert.match(deferred?.lastError ?? "", /421/);

      h.clock.advance(5 * minute - 1);
      assert.equal(await runner.runOnce(), 0, "not due before the backoff ends");
      h.clock.advance(1);
      await runner.runOnce();
      assert.equal((await h.store.outbound.list({ limit: 1 }))[0]?.nextAttemptAt, h.clock.now() + 10 * minute, "the wait doubles");

      h.sink.down = false;
      h.clock.advance(10 * minute);
      await runner.runOnce();
      assert.equal(h.sink.received.length, 1);
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "delivered" });
      assert.equal(h.bounces.length, 0);
    });

    it("bounces a permanently refused recipient with a DSN and delivers the others", async (t) => {
      const h = await harness(t, open);
      h.sink.rcptReplies.set("nobody@remote.example", { code: 550, text: "5.1.1 No such user here" });
      await h.enqueue({ recipients: [address("bob@remote.example"), address("nobody@remote.example")] });
      await h.runner().runOnce();
      assert.deepEqual(h.sink.received[0]?.to, ["bob@remote.example"]);
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "delivered", "nobody@remote.example": "bounced" });

      assert.equal(h.bounces.length, 1);
      const bounce = h.bounces[0]!;
      assert.deepEqual(bounce.envelope, { mailFrom: null, recipients: ["alice@example.com"], smtpUtf8: false, body: "7BIT" });
      const parsed = await simpleParser(bounce.message);
      assert.equal(parsed.from?.value[0]?.address, "MAILER-DAEMON@mx.example.com");
      assert.equal(parsed.headers.get("auto-submitted"), "auto-replied");
      const text = bounce.message.toString();
      assert.match(text, /report-type=delivery-status/);
      assert.match(text, /Final-Recipient: rfc822; nobody@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; 127.0.0.1\r\nDiagnostic-Code: smtp; 550 5.1.1 No such user here/);
      assert.ok(!text.includes("bob@remote.example\r\nAction"), "only the failed recipient is reported");
      assert.match(text, /Content-Type: text\/rfc822-headers[\s\S]*Subject: Quarterly numbers\r\n/);
      assert.ok(!text.includes("the numbers."), "the body is not sent back");
    });

    it("gives up after the limit with a DSN that says so", async (t) => {
      const h = await harness(t, open);
      const runner = h.runner({ retry: { firstMs: 5 * minute, maxMs: 240 * minute, giveUpMs: 2 * 60 * minute } });
      h.sink.rcptReplies.set("bob@remote.example", { code: 451, text: "4.7.1 Greylisted, try later" });
      await h.enqueue();
      const start = h.clock.now();
      let attempts = 0;
      for (;;) {
        attempts += await runner.runOnce();
        const next = await h.store.outbound.nextDue();
        if (next === undefined) break;
        h.clock.current = next;
      }
      // 5 + 10 + 20 + 40 minutes, then the last try at the 2-hour deadline.
      assert.equal(attempts, 6);
      assert.equal(h.clock.now(), start + 2 * 60 * minute);
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "bounced" });
      assert.equal(h.bounces.length, 1);
      const text = h.bounces[0]!.message.toString();
      assert.match(text, /Status: 4.7.1\r\n/);
      assert.match(text, /Diagnostic-Code: smtp; gave up after 6 attempts: 451 4.7.1 Greylisted, try later/);
    });

    it("bounces at once for a domain with a null MX, without a connection", async (t) => {
      const h = await harness(t, open);
      const dns = fixedDns({ "nomail.example MX": [{ exchange: "", priority: 0 }] });
      await h.enqueue({ recipients: [address("x@nomail.example")] });
      await h.runner({ dns }).runOnce();
      assert.deepEqual(await h.statuses(), { "x@nomail.example": "bounced" });
      assert.match(h.bounces[0]?.message.toString() ?? "", /Status: 5.1.10\r\nDiagnostic-Code: x-moat; nomail.example does not accept mail \(null MX\)/);
      assert.equal(h.sink.received.length, 0);
    });

    it("sends no DSN for a message with the null sender", async (t) => {
      const h = await harness(t, open);
      h.sink.rcptReplies.set("bob@remote.example", { code: 550, text: "5.1.1 No such user" });
      await h.enqueue({ mailFrom: null, isBounce: true, originKind: "system" });
      await h.runner().runOnce();
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "failed" });
      assert.equal(h.bounces.length, 0);
    });

    it("sends a stored message with bare LF and CR as CRLF, dots intact after stuffing", async (t) => {
      const h = await harness(t, open);
      const raw = Buffer.from("Subject: dots\n\n.\n..\n.leading dot\nbare CR\rend\n.");
      await h.enqueue({}, raw);
      await h.runner().runOnce();
      assert.equal(h.sink.received[0]?.raw.toString(), "Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nbare CR\r\nend\r\n.\r\n");
    });

    it("delivers again after a crash left a recipient delivering (at-least-once)", async (t) => {
      const h = await harness(t, open);
      await h.enqueue();
      // The crashed run: it claimed the recipient and never recorded a result.
      assert.equal((await h.store.outbound.claimDue(h.clock.now(), 10, h.clock.now() + 30 * minute)).length, 1);
      const restarted = h.runner();
      assert.equal(await restarted.runOnce(), 0, "another node's claim is respected while its lease runs");
      h.clock.advance(30 * minute);
      assert.equal(await restarted.runOnce(), 1);
      assert.equal(h.sink.received.length, 1);
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "delivered" });
    });

    it("as the sole runner, takes back a crashed run's recipients at start, and wakes on demand", async (t) => {
      const h = await harness(t, open);
      await h.enqueue();
      await h.store.outbound.claimDue(h.clock.now(), 10, h.clock.now() + 30 * minute);
      const runner = h.runner({ soleRunner: true, pollIntervalMs: 60_000 });
      const first = h.sink.next();
      runner.start();
      t.after(() => runner.stop());
      assert.deepEqual((await first).to, ["bob@remote.example"]);

      const second = h.sink.next();
      await h.enqueue({ recipients: [address("carol@remote.example")] });
      runner.wake();
      assert.deepEqual((await second).to, ["carol@remote.example"], "wake() does not wait for the poll interval");
      await runner.stop();
      assert.deepEqual(await h.statuses(), { "bob@remote.example": "delivered", "carol@remote.example": "delivered" });
    });
  });
});
