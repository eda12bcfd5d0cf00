// DKIM private keys at rest: the row holds a sealed value that neither shows the key nor opens
// with another key or for another domain; a plain key from before sealing still signs and is
// sealed on that first use.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { authenticate } from "mailauth";
import { createAesGcmSealer } from "../../../src/adapters/secrets/aes-gcm-sealer.js";
import { DkimService, generateDkimKeyPair } from "../../../src/core/delivery/dkim.js";
import { isMoatError } from "../../../src/shared/errors.js";
import { TestClock } from "../../support/clock.js";
import { forEachDialect } from "../../support/stores.js";
import { domainName } from "../../store/helpers.js";

const message = Buffer.from("From: Alice <alice@example.com>\r\nTo: bob@remote.example\r\nSubject: Hi\r\n\r\nHello.\r\n");

/** Verifies the signature against the key's published record, as a receiver would. */
async function verifies(signed: Buffer, record: { name: string; value: string }): Promise<boolean> {
  const result = await authenticate(signed, {
    ip: "127.0.0.1",
    helo: "mx.example.com",
    sender: "alice@example.com",
    mta: "sink.example",
    resolver: async (name: string, type: string) => {
      if (type === "TXT" && name === record.name) return [[record.value]];
      throw Object.assign(new Error("no such record"), { code: "ENOTFOUND" });
    },
  });
  return result.dkim.results.some((r: { status: { result: string } }) => r.status.result === "pass");
}

forEachDialect((dialect, open) => {
  describe(`DKIM keys at rest on ${dialect}`, () => {
    it("stores the private key sealed, signs with it, and refuses another installation's key", async (t) => {
      const store = await open(t);
      const clock = new TestClock();
      const domain = await store.domains.create(domainName("example.com"), clock.now());
      const key = randomBytes(32);
      const dkim = new DkimService(store, clock, "moat", createAesGcmSealer(key, "keys/dkim-sealing.key"));
      await dkim.ensureKey(domain);
      const [row] = await store.dkimKeys.list(domain.id);
      assert.match(row!.privateKeySealed, /^sealed:v1:/);
      assert.doesNotMatch(row!.privateKeySealed, /PRIVATE KEY/);
      const signed = await dkim.sign(message, null);
      assert.ok(signed && (await verifies(signed, await dkim.dnsRecord("example.com"))), "the signature verifies");

      const stranger = new DkimService(store, clock, "moat", createAesGcmSealer(randomBytes(32), "keys/dkim-sealing.key"));
      await assert.rejects(stranger.sign(message, null), (err) => isMoatError(err, "config_invalid") && /dkim-sealing\.key does not open/.test(err.message));
      // The sealed value is bound to its domain: moved to another domain's row, it does not open.
      const other = await store.domains.create(domainName("other.example"), clock.now());
      await store.dkimKeys.create({ domainId: other.id, selector: "moat", privateKeySealed: row!.privateKeySealed, publicKeyB64: row!.publicKeyB64, now: clock.now() });
      const fromOther = Buffer.from(message.toString().replace("alice@example.com", "alice@other.example"));
      await assert.rejects(dkim.sign(fromOther, null), (err) => isMoatError(err, "config_invalid"));
    });

    it("signs with a plain key stored before sealing, and seals it on that first use", async (t) => {
      const store = await open(t);
      const clock = new TestClock();
      const domain = await store.domains.create(domainName("example.com"), clock.now());
      const pair = await generateDkimKeyPair();
      await store.dkimKeys.create({ domainId: domain.id, selector: "moat", privateKeySealed: pair.privateKeyPem, publicKeyB64: pair.publicKeyB64, now: clock.now() });
      const dkim = new DkimService(store, clock, "moat", createAesGcmSealer(randomBytes(32), "test key"));
      const signed = await dkim.sign(message, null);
      assert.ok(signed && (await verifies(signed, await dkim.dnsRecord("example.com"))));
      const [row] = await store.dkimKeys.list(domain.id);
      assert.match(row!.privateKeySealed, /^sealed:v1:/, "sealed on first use");
      const again = await dkim.sign(message, null);
      assert.ok(again && (await verifies(again, await dkim.dnsRecord("example.com"))), "and still signs after");
    });
  });
});
