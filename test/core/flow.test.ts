// The mail-flow pipeline over a real store: recipients, relay, aliases and groups, sender
// ownership, loop and forged-header protection, DMARC, and where each message lands.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createMailFlow, type EnqueueRemote } from "../../src/core/flow/pipeline.js";
import type { Origin } from "../../src/core/flow/types.js";
import type { Store } from "../../src/core/ports/store.js";
import type { Address } from "../../src/mail/address.js";
import { TestClock } from "../support/clock.js";
import { coreFor } from "../support/core.js";
import { zoneResolver, type Zone } from "../support/dns.js";
import { addr, env, mx, sessionFacts } from "../support/flow.js";
import { forEachDialect } from "../support/stores.js";

const facts = sessionFacts;
const msg = (from: string, extra = "") =>
  Buffer.from(`${extra}From: ${from}\r\nTo: alice@example.com\r\nSubject: Hello\r\nMessage-ID: <m1@sender.example>\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\nHello there.\r\n`);

async function setup(t: TestContext, store: Store, zone: Zone = {}) {
  const clock = new TestClock();
  const { accounts, mailstore } = coreFor(t, store, clock);
  await accounts.addDomain("example.com");
  const alice = await accounts.addUser({ address: "alice@example.com", password: "alice-password-1" });
  const bob = await accounts.addUser({ address: "bob@example.com", password: "bob-password-1", quotaBytes: 10 });
  const queued: Array<{ recipients: readonly Address[]; mailFrom: Address | null }> = [];
  const enqueueRemote: EnqueueRemote = async (_tx, job) => {
    queued.push({ recipients: job.recipients, mailFrom: job.mailFrom });
  };
  const flow = createMailFlow({ store, mailstore, clock, dns: zoneResolver(zone), hostname: "mx.example.com", maxMessageBytes: 100_000, maxReceivedHeaders: 5, enqueueRemote });
  const inbox = async (userId: number, name = "INBOX") => {
    const box = await store.mailboxes.findByName(userId, name);
    const rows = await store.messages.list(box!.id);
    return Promise.all(rows.map(async (r) => (await mailstore.read(r.bodyHash))!.toString("latin1")));
  };
  return { flow, alice, bob, accounts, queued, inbox, store };
}

forEachDialect((dialect, open) => {
  describe(`mail flow on ${dialect}`, () => {
    it("gives every new user the six default folders", async (t) => {
      const { store, alice } = await setup(t, await open(t));
      const boxes = await store.mailboxes.list(alice.id);
      assert.deepEqual(boxes.map((b) => [b.name, b.specialUse]).sort(), [
        ["Archive", "\\Archive"], ["Drafts", "\\Drafts"], ["INBOX", null], ["Junk", "\\Junk"], ["Sent", "\\Sent"], ["Trash", "\\Trash"],
      ]);
    });

    it("refuses unknown local users and relaying from the internet, accepts relaying for users", async (t) => {
      const { flow, alice } = await setup(t, await open(t));
      assert.deepEqual(await flow.checkRecipient(mx, null, addr("alice@example.com")), { kind: "accept" });
      assert.equal((await flow.checkRecipient(mx, null, addr("nobody@example.com"))).kind, "reject");
      const relay = await flow.checkRecipient(mx, null, addr("someone@elsewhere.example"));
      assert.ok(relay.kind === "reject" && relay.reason === "relay_denied");
      // Relay disguises are addresses in our domain that simply do not exist: never relayed.
      for (const disguise of ["user%elsewhere.example@example.com", "elsewhere.example!user@example.com"]) {
        const v = await flow.checkRecipient(mx, null, addr(disguise));
        assert.ok(v.kind === "reject" && v.reason === "unknown_recipient", disguise);
      }
      const sub: Origin = { kind: "submission", userId: alice.id, user: alice.address, listener: "submission", ...facts };
      assert.equal((await flow.checkRecipient(sub, alice.address, addr("someone@elsewhere.example"))).kind, "accept");
    });

    it("delivers to the inbox with our Received header on top, once per user even when named twice", async (t) => {
      const { flow, alice, inbox } = await setup(t, await open(t));
      const v = await flow.process(mx, env("x@sender.example", "alice@example.com", "ALICE@example.com"), msg("x@sender.example"));
      assert.equal(v.kind, "accept");
      const [stored, ...more] = await inbox(alice.id);
      assert.equal(more.length, 0);
      assert.match(stored!, /^Received: from mail\.sender\.example \(\[203\.0\.113\.5\]\)\r\n\tby mx\.example\.com \(Moat\) with ESMTP id \w+/);
      assert.match(stored!, /\r\nAuthentication-Results: mx\.example\.com;/);
      assert.ok(stored!.endsWith("\r\n\r\nHello there.\r\n"), "the original message follows unchanged");
    });

    it("expands aliases and groups, sending outside members to the queue, with loop protection", async (t) => {
      const { flow, alice, accounts, queued, inbox } = await setup(t, await open(t));
      await accounts.addAlias("sales@example.com", "team@example.com");
      await accounts.addGroup("team@example.com");
      await accounts.addMembers("team@example.com", ["alice@example.com", "partner@outside.example"]);
      await accounts.addAlias("loop1@example.com", "loop2@example.com");
      await accounts.addAlias("loop2@example.com", "loop1@example.com");
      assert.equal((await flow.process(mx, env("x@sender.example", "sales@example.com", "loop1@example.com"), msg("x@sender.example"))).kind, "accept");
      assert.equal((await inbox(alice.id)).length, 1);
      assert.deepEqual(queued.map((q) => q.recipients), [["partner@outside.example"]]);
    });

    it("removes a forged Authentication-Results that claims to be ours, keeps others", async (t) => {
      const { flow, alice, inbox } = await setup(t, await open(t));
      const forged = "Authentication-Results: mx.example.com; dmarc=pass header.from=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\n";
      await flow.process(mx, env("x@sender.example", "alice@example.com"), msg("x@sender.example", forged));
      const [stored] = await inbox(alice.id);
      assert.doesNotMatch(stored!, /dmarc=pass header\.from=bank\.example/);
      assert.match(stored!, /Authentication-Results: other\.example; spf=pass/);
    });

    it("refuses a message with too many Received headers (a loop) and one over the size limit", async (t) => {
      const { flow } = await setup(t, await open(t));
      const hops = "Received: from a by b; Thu, 26 Nov 2026 12:00:00 +0000\r\n".repeat(6);
      const loop = await flow.process(mx, env("x@sender.example", "alice@example.com"), msg("x@sender.example", hops));
      assert.ok(loop.kind === "reject" && loop.reason === "mail_loop");
      const big = await flow.checkSender(mx, null, 200_000);
      assert.ok(big.kind === "reject" && big.reason === "too_large");
    });

    it("lets a user send only as their own address or an alias of theirs, in the envelope and the From header", async (t) => {
      const { flow, alice, accounts } = await setup(t, await open(t));
      await accounts.addAlias("info@example.com", "alice@example.com");
      const sub: Origin = { kind: "submission", userId: alice.id, user: alice.address, listener: "submission", ...facts };
      assert.equal((await flow.checkSender(sub, addr("alice@example.com"), undefined)).kind, "accept");
      assert.equal((await flow.checkSender(sub, addr("info@example.com"), undefined)).kind, "accept");
      const spoof = await flow.checkSender(sub, addr("bob@example.com"), undefined);
      assert.ok(spoof.kind === "reject" && spoof.reason === "sender_not_owned");
      assert.equal((await flow.checkSender(sub, null, undefined)).kind, "reject");
      const headerSpoof = await flow.process(sub, env("alice@example.com", "bob@example.com"), msg('"The CEO" <bob@example.com>'));
      assert.ok(headerSpoof.kind === "reject" && headerSpoof.reason === "sender_not_owned");
      assert.equal((await flow.process(sub, env("alice@example.com", "bob@example.com"), msg("Alice <Alice@Example.com>"))).kind, "accept");
    });

    it("tempfails a recipient whose mailbox is full", async (t) => {
      const { flow, bob } = await setup(t, await open(t));
      assert.equal((await flow.checkRecipient(mx, null, bob.address)).kind, "accept");
      await flow.process(mx, env("x@sender.example", "bob@example.com"), msg("x@sender.example"));
      const full = await flow.checkRecipient(mx, null, bob.address);
      assert.ok(full.kind === "tempfail" && full.reason === "over_quota");
    });
  });
});

describe("mail flow: DMARC", () => {
  const zone = (policy: string, spf: string): Zone => ({
    "sender.example TXT": [[spf]],
    "_dmarc.sender.example TXT": [[`v=DMARC1; p=${policy}`]],
  });

  forEachDialect((dialect, open) => {
    it(`on ${dialect}: passes aligned SPF, sends p=quarantine failures to Junk, refuses p=reject failures`, async (t) => {
      const pass = await setup(t, await open(t), zone("reject", "v=spf1 ip4:203.0.113.5 -all"));
      assert.equal((await pass.flow.process(mx, env("x@sender.example", "alice@example.com"), msg("x@sender.example"))).kind, "accept");
      const [stored] = await pass.inbox(pass.alice.id);
      assert.match(stored!, /spf=pass/);
      assert.match(stored!, /dmarc=pass/);

      const quarantine = await setup(t, await open(t), zone("quarantine", "v=spf1 -all"));
      assert.equal((await quarantine.flow.process(mx, env("x@sender.example", "alice@example.com"), msg("x@sender.example"))).kind, "accept");
      assert.equal((await quarantine.inbox(quarantine.alice.id)).length, 0);
      assert.equal((await quarantine.inbox(quarantine.alice.id, "Junk")).length, 1);

      const rejecting = await setup(t, await open(t), zone("reject", "v=spf1 -all"));
      const v = await rejecting.flow.process(mx, env("x@sender.example", "alice@example.com"), msg("x@sender.example"));
      assert.ok(v.kind === "reject" && v.reason === "dmarc_reject");
      assert.equal((await rejecting.inbox(rejecting.alice.id)).length, 0);
    });
  });
});
