// The maximum password age beyond the refusal (issue 6, item 5), on SQLite and PostgreSQL with
// a fake clock: a reminder in the Inbox on each of the last five days ("Your password expires
// in 3 days"), one a day at most, none for exempt accounts; accounts already past the age told
// at once when an admin switches the age on; and the days left in a web login's AuthResult.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { createMailFlow } from "../../src/core/flow/pipeline.js";
import { LoginSettingsService } from "../../src/core/auth/login-settings-service.js";
import { PasswordExpiryReminders } from "../../src/core/auth/password-expiry-reminders.js";
import { MailStore } from "../../src/core/mailstore/service.js";
import type { Store } from "../../src/core/ports/store.js";
import { zoneResolver } from "../support/dns.js";
import { forEachDialect } from "../support/stores.js";
import { admin, ctx, PASSWORD, securityCore } from "./login-security-setup.js";

const day = 86_400_000;
const hour = 3_600_000;

async function expiryCore(t: TestContext, store: Store) {
  const core = await securityCore(t, store);
  const mailstore = new MailStore(store, core.blobs, core.clock);
  const flow = createMailFlow({
    store,
    mailstore,
    clock: core.clock,
    dns: zoneResolver({}),
    hostname: "mx.example.com",
    maxMessageBytes: 100_000,
    maxReceivedHeaders: 50,
    enqueueRemote: () => Promise.reject(new Error("no remote mail in this test")),
  });
  const reminders = new PasswordExpiryReminders(store, core.clock, flow, "mx.example.com");
  // The settings service as the composition root wires it: a change may notify at once.
  const settings = new LoginSettingsService(store, core.accounts, core.security.audit, core.clock, (domain, before, after) => reminders.settingsChanged(domain, before, after));
  /** The messages in the account's Inbox, oldest first. */
  const inbox = async (address: string): Promise<string[]> => {
    const user = (await store.users.findByAddress(address as never))!;
    const box = (await store.mailboxes.findByName(user.id, "INBOX"))!;
    const out: string[] = [];
    for (const m of await store.messages.list(box.id)) out.push((await mailstore.read(m.bodyHash))!.toString("utf8"));
    return out;
  };
  const subjects = async (address: string) => (await inbox(address)).map((m) => /^Subject: (.*)$/m.exec(m)?.[1]);
  return { ...core, reminders, settings, inbox, subjects };
}

forEachDialect((dialect, open) => {
  describe(`password expiry on ${dialect}`, () => {
    it("reminds in the Inbox on each of the last five days, once a day, from the postmaster", async (t) => {
      const store = await open(t);
      const { reminders, settings, clock, alice, subjects, inbox } = await expiryCore(t, store);
      const start = alice.passwordChangedAt;
      await settings.updateDomain("example.com", { passwordPolicy: "on", passwordMaxAgeDays: 30 }, admin);
      clock.current = start + 24 * day + hour;
      assert.equal(await reminders.run(), 0, "six days left: nothing yet");
      clock.current = start + 25 * day + hour;
      assert.equal(await reminders.run(), 1);
      assert.equal(await reminders.run(), 0, "not twice on one day");
      clock.advance(12 * hour);
      assert.equal(await reminders.run(), 0);
      for (let left = 4; left >= 1; left--) {
        clock.current = start + (30 - left) * day + hour;
        assert.equal(await reminders.run(), 1, `${left} days left`);
        assert.equal(await reminders.run(), 0);
      }
      clock.current = start + 30 * day + 2 * hour;
      assert.equal(await reminders.run(), 1, "the day it expired: one notice");
      clock.advance(3 * day);
      assert.equal(await reminders.run(), 0, "and no more after it");
      assert.deepEqual(await subjects(alice.address), [
        "Your password expires in 5 days",
        "Your password expires in 4 days",
        "Your password expires in 3 days",
        "Your password expires in 2 days",
        "Your password expires in 1 day",
        "Your password has expired",
      ]);
      const [first] = await inbox(alice.address);
      assert.match(first!, /^From: Postmaster <postmaster@example\.com>\r$/m);
      assert.match(first!, /^To: <alice@example\.com>\r$/m);
      assert.match(first!, /^Date: \w{3}, \d{2} \w{3} 2026 \d{2}:\d{2}:\d{2} \+0000\r$/m);
      assert.match(first!, /^Message-ID: <[^@\s]+@mx\.example\.com>\r$/m);
      assert.match(first!, /^Auto-Submitted: auto-generated\r$/m);
    });

    it("never sends two a day, even when the count of days changes within the day", async (t) => {
      const store = await open(t);
      const { reminders, settings, clock, alice, subjects } = await expiryCore(t, store);
      await settings.updateDomain("example.com", { passwordPolicy: "on", passwordMaxAgeDays: 30 }, admin);
      clock.current = alice.passwordChangedAt + 25 * day + 23 * hour; // 5 days left, barely
      assert.equal(await reminders.run(), 1);
      clock.advance(2 * hour); // 4 days left now, two hours later
      assert.equal(await reminders.run(), 0);
      clock.advance(20 * hour);
      assert.equal(await reminders.run(), 1);
      assert.deepEqual(await subjects(alice.address), ["Your password expires in 5 days", "Your password expires in 4 days"]);
    });

    it("skips exempt accounts, a domain without the age, and passwords changed since", async (t) => {
      const store = await open(t);
      const { reminders, settings, clock, alice, accounts, subjects } = await expiryCore(t, store);
      await accounts.addUser({ address: "service@example.com", password: "service-password-1" });
      await settings.updateDomain("example.com", { passwordPolicy: "on", passwordMaxAgeDays: 0 }, admin);
      clock.current = alice.passwordChangedAt + 27 * day;
      assert.equal(await reminders.run(), 0, "no maximum age");
      await settings.updateDomain("example.com", { passwordMaxAgeDays: 30, passwordMaxAgeExempt: ["service@example.com"] }, admin);
      assert.deepEqual(await subjects(alice.address), ["Your password expires in 3 days"], "switching the age on reminds at once");
      assert.equal(await reminders.run(), 0);
      assert.deepEqual(await subjects("service@example.com"), []);
      await accounts.setPassword(alice.address, "Vq7#mZ2!rT9xLp4k-river");
      clock.advance(day);
      assert.equal(await reminders.run(), 0, "the new password is far from its age");
      assert.deepEqual(await subjects(alice.address), ["Your password expires in 3 days"]);
    });

    it("tells accounts already past the age at once when an admin switches the age on", async (t) => {
      const store = await open(t);
      const { settings, clock, alice, accounts, subjects, reminders } = await expiryCore(t, store);
      await settings.updateDomain("example.com", { passwordPolicy: "on" }, admin);
      clock.advance(12 * day);
      await accounts.addUser({ address: "carol@example.com", password: "Vq7#mZ2!rT9xLp4k-first" });
      clock.advance(88 * day);
      await accounts.addUser({ address: "dave@example.com", password: "Vq7#mZ2!rT9xLp4k-second" });
      // Alice's password is 100 days old, Carol's 88, Dave's new.
      await settings.updateDomain("example.com", { passwordMaxAgeDays: 90 }, admin);
      assert.deepEqual(await subjects(alice.address), ["Your password has expired"]);
      assert.deepEqual(await subjects("carol@example.com"), ["Your password expires in 2 days"]);
      assert.deepEqual(await subjects("dave@example.com"), []);
      await settings.updateDomain("example.com", { passwordMinLength: 14 }, admin);
      await settings.updateDomain("example.com", { passwordMaxAgeDays: 120 }, admin);
      assert.equal((await subjects(alice.address)).length, 1, "other changes and a longer age send nothing");
      clock.advance(day);
      assert.equal(await reminders.run(), 0, "the job does not repeat the notice");
    });

    it("a web or API login says how many days the main password has left, within the last five", async (t) => {
      const store = await open(t);
      const { settings, clock, alice, authenticate, security } = await expiryCore(t, store);
      const daysLeft = async (channel: "web" | "api" | "imap") => {
        const result = await authenticate(channel, alice.address, PASSWORD, ctx());
        assert.ok(result.ok, channel);
        return result.passwordExpiresInDays;
      };
      await settings.updateDomain("example.com", { passwordPolicy: "on", passwordMaxAgeDays: 30 }, admin);
      clock.current = alice.passwordChangedAt + 10 * day;
      assert.equal(await daysLeft("web"), undefined);
      clock.current = alice.passwordChangedAt + 27 * day + hour;
      assert.equal(await daysLeft("web"), 3);
      assert.equal(await daysLeft("api"), 3);
      assert.equal(await daysLeft("imap"), undefined, "protocols have no banner");
      const { secret } = await security.appPasswords.create(alice.address, "Phone", [], admin);
      const viaAppPassword = await authenticate("imap", alice.address, secret, ctx());
      assert.ok(viaAppPassword.ok && viaAppPassword.passwordExpiresInDays === undefined);
      await settings.updateDomain("example.com", { passwordMaxAgeExempt: [alice.address] }, admin);
      assert.equal(await daysLeft("web"), undefined, "exempt");
    });
  });
});
