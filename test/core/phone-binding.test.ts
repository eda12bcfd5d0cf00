// Binding, changing and removing the bound phone (issue 6, item 6), on SQLite and PostgreSQL:
// bound only by a code sent to the number; changed only with the password, a code to the old
// number and then one to the new; removed with the password, or by an admin; all audited.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMoatError } from "../../src/shared/errors.js";
import type { Actor } from "../../src/core/security/audit.js";
import { forEachDialect } from "../support/stores.js";
import { admin, PASSWORD } from "./login-security-setup.js";
import { phoneCore } from "./phone-setup.js";

const OLD = "+4915112345678";
const NEW = "+14155550100";

const refusedWith = (code: string) => (err: unknown) => isMoatError(err) && err.code === code;

forEachDialect((dialect, open) => {
  describe(`bound phone on ${dialect}`, () => {
    it("binds a number by the code sent to it, normalised, and audits it", async (t) => {
      const store = await open(t);
      const { phones, alice, lastCode, security } = await phoneCore(t, store);
      await assert.rejects(phones.bind(alice.address, "0151 1234 5678", admin), refusedWith("invalid_input"));
      assert.deepEqual(await phones.bind(alice.address, "+49 151 1234-5678", admin), { sentTo: OLD });
      assert.equal((await phones.show(alice.address)).number, null, "not bound before the code");
      const code = (await lastCode(OLD))!;
      await assert.rejects(phones.confirm(alice.address, code === "000000" ? "000001" : "000000", admin), refusedWith("code_invalid"));
      const view = await phones.confirm(alice.address, code, admin);
      assert.equal(view.number, OLD);
      assert.equal((await phones.show(alice.address)).number, OLD);
      await assert.rejects(phones.confirm(alice.address, code, admin), refusedWith("code_invalid"), "the code is used up");
      const [entry] = await security.audit.list({ limit: 1, target: alice.address });
      assert.deepEqual({ action: entry!.action, actor: entry!.actor, before: entry!.before, after: entry!.after }, { action: "phone.bind", actor: "cli:tester", before: null, after: OLD });
    });

    it("a bound number cannot be replaced by binding another", async (t) => {
      const store = await open(t);
      const { phones, alice, clock } = await phoneCore(t, store);
      await store.phones.put({ userId: alice.id, number: OLD, verifiedAt: clock.now() });
      await assert.rejects(phones.bind(alice.address, NEW, { kind: "user", userId: alice.id, address: alice.address }), /already has a bound phone/);
    });

    it("changing it needs the password, a code to the OLD number, then a code to the new one", async (t) => {
      const store = await open(t);
      const { phones, alice, lastCode, clock, sentTo, security } = await phoneCore(t, store);
      await store.phones.put({ userId: alice.id, number: OLD, verifiedAt: clock.now() });
      const self: Extract<Actor, { kind: "user" }> = { kind: "user", userId: alice.id, address: alice.address };
      await assert.rejects(phones.change(self, "not the password", NEW), refusedWith("wrong_password"));
      assert.equal(await sentTo(OLD), 0, "no code without the password");
      assert.deepEqual(await phones.change(self, PASSWORD, NEW), { sentTo: OLD });
      assert.equal(await sentTo(NEW), 0, "nothing to the new number yet");
      const oldCode = (await lastCode(OLD))!;
      await assert.rejects(phones.confirm(alice.address, oldCode, self), refusedWith("code_invalid"), "the old number's code does not bind");
      assert.deepEqual(await phones.confirmOldNumber(self, oldCode), { sentTo: NEW });
      assert.equal((await phones.show(alice.address)).number, OLD, "still the old number until the new one answers");
      const newCode = (await lastCode(NEW))!;
      assert.equal((await phones.confirm(alice.address, newCode, self)).number, NEW);
      const [entry] = await security.audit.list({ limit: 1, target: alice.address });
      assert.deepEqual({ action: entry!.action, actor: entry!.actor, before: entry!.before, after: entry!.after }, { action: "phone.change", actor: `user:${alice.address}`, before: OLD, after: NEW });
    });

    it("removing it needs the password from the user, not from an admin, and is audited", async (t) => {
      const store = await open(t);
      const { phones, alice, accounts, clock, security } = await phoneCore(t, store);
      const bob = await accounts.addUser({ address: "bob@example.com", password: "bob-password-long-1" });
      await store.phones.put({ userId: alice.id, number: OLD, verifiedAt: clock.now() });
      const self: Actor = { kind: "user", userId: alice.id, address: alice.address };
      await assert.rejects(phones.remove(alice.address, self, "wrong"), refusedWith("wrong_password"));
      await assert.rejects(phones.remove(alice.address, { kind: "user", userId: bob.id, address: bob.address }, "bob-password-long-1"), /only their own phone/);
      assert.deepEqual(await phones.remove(alice.address, self, PASSWORD), { removed: OLD });
      assert.equal(await phones.hasBoundPhone(alice.id), false);
      await store.phones.put({ userId: alice.id, number: OLD, verifiedAt: clock.now() });
      assert.deepEqual(await phones.remove(alice.address, admin), { removed: OLD });
      const actions = (await security.audit.list({ limit: 5, target: alice.address })).map((e) => `${e.action} ${e.actor}`);
      assert.deepEqual(actions, ["phone.remove cli:tester", `phone.remove user:${alice.address}`]);
      assert.deepEqual(await phones.remove(alice.address, admin), { removed: null });
    });
  });
});
