// Password self-reset with the bound phone (issue 6, item 6), on SQLite and PostgreSQL: the
// same answer whatever the account, a code only to a bound phone (rate-limited), the domain's
// policy with every reason at once, and a success that changes the password the way every
// password change does: client security passwords revoked, not temporary, audited.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { admin, ctx, PASSWORD } from "./login-security-setup.js";
import { phoneCore } from "./phone-setup.js";

const NUMBER = "+4915112345678";
const NEW_PASSWORD = "Vq7#mZ2!rT9xLp4k-river";

forEachDialect((dialect, open) => {
  describe(`password self-reset on ${dialect}`, () => {
    it("answers the same for an unknown account, one without a phone, and one with a phone", async (t) => {
      const store = await open(t);
      const { reset, alice, accounts, clock, sentTo } = await phoneCore(t, store);
      await accounts.addUser({ address: "nophone@example.com", password: "nophone-password-1" });
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      const answers = [reset.start("ghost@example.com"), reset.start("nophone@example.com"), reset.start(alice.address), reset.start("not an address")];
      assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, JSON.stringify(answers));
      await reset.idle();
      assert.equal(await sentTo(NUMBER), 1, "only the account with a phone got a code");
      assert.equal((await store.smsOutbox.list({ limit: 10 })).length, 1);
    });

    it("is rate-limited without saying so", async (t) => {
      const store = await open(t);
      const { reset, alice, clock, sentTo } = await phoneCore(t, store, { limits: { perAccountPerHour: 2 } });
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(reset.start(alice.address));
      await reset.idle();
      assert.equal(new Set(answers.map((a) => a.message)).size, 1);
      assert.equal(await sentTo(NUMBER), 2);
    });

    it("refuses a wrong code and reports every policy reason at once, keeping the code for another try", async (t) => {
      const store = await open(t);
      const { reset, alice, clock, lastCode, security } = await phoneCore(t, store);
      await security.settings.updateDomain("example.com", { passwordPolicy: "on", passwordKeywords: ["acme"] }, admin);
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      reset.start(alice.address);
      await reset.idle();
      const code = (await lastCode(NUMBER))!;
      const other = code === "123456" ? "654321" : "123456";
      await assert.rejects(reset.finish(alice.address, other, NEW_PASSWORD), (err) => isMoatError(err, "code_invalid"));
      await assert.rejects(reset.finish("ghost@example.com", code, NEW_PASSWORD), (err) => isMoatError(err, "code_invalid"), "an unknown account looks like a wrong code");
      const refused = await reset.finish(alice.address, code, "Alice-acme1").catch((err: unknown) => err);
      assert.ok(isMoatError(refused, "invalid_password"));
      assert.match(refused.message, /at least 12 characters; .*contains "alice".*forbidden word: acme/);
      assert.equal((await reset.finish(alice.address, code, NEW_PASSWORD)).revokedAppPasswords, 0, "the same code works after the refusal");
    });

    it("sets a password that is not temporary, revokes client security passwords, and uses the code up", async (t) => {
      const store = await open(t);
      const { reset, alice, clock, lastCode, security, authenticate } = await phoneCore(t, store);
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      await security.appPasswords.create(alice.address, "Phone", [], admin);
      await security.appPasswords.create(alice.address, "Laptop", ["imap"], admin);
      reset.start(alice.address);
      await reset.idle();
      const code = (await lastCode(NUMBER))!;
      assert.equal((await reset.finish(alice.address, code, NEW_PASSWORD)).revokedAppPasswords, 2);
      assert.deepEqual(await security.appPasswords.list(alice.address), []);
      await assert.rejects(reset.finish(alice.address, code, `${NEW_PASSWORD}-again`), (err) => isMoatError(err, "code_invalid"), "single use");
      const login = await authenticate("imap", alice.address, NEW_PASSWORD, ctx());
      assert.ok(login.ok && login.mustChangePassword === undefined, "a protocol login takes it: not temporary");
      assert.equal((await authenticate("web", alice.address, PASSWORD, ctx())).ok, false, "the old password is gone");
      const entries = (await security.audit.list({ limit: 2, target: alice.address })).map((e) => [e.action, e.actor, e.after]);
      assert.deepEqual(entries, [
        ["user.password_reset", `user:${alice.address}`, { via: "bound_phone", phone: "+49•••••••••78" }],
        ["user.password", `user:${alice.address}`, { appPasswords: 0 }],
      ]);
    });

    it("a code for another purpose does not reset the password, nor does a suspended account get one", async (t) => {
      const store = await open(t);
      const { reset, phones, alice, clock, lastCode, accounts, sentTo } = await phoneCore(t, store);
      await store.phones.put({ userId: alice.id, number: NUMBER, verifiedAt: clock.now() });
      await phones.send(alice.id, "second_factor");
      await assert.rejects(reset.finish(alice.address, (await lastCode(NUMBER))!, NEW_PASSWORD), (err) => isMoatError(err, "code_invalid"));
      await accounts.setStatus(alice.address, "suspended");
      reset.start(alice.address);
      await reset.idle();
      assert.equal(await sentTo(NUMBER), 1, "no reset code for a suspended account");
    });
  });
});
