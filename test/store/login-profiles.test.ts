// Learned login profiles (issue 8 item 2, decision 0026) on SQLite and PostgreSQL: one JSON
// document per account, replaced whole; read alone, or with the account's failed logins since a
// time in the same query (the success-after-failures rule) — only failures, only this account's,
// the bound inclusive, and counted even when the account has no profile yet.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewLoginRecord } from "../../src/core/auth/types.js";
import { forEachDialect } from "../support/stores.js";
import { address, domainName, T0 } from "./helpers.js";

const minute = 60_000;

forEachDialect((dialect, open) => {
  describe(`login profiles on ${dialect}`, () => {
    it("keep one document per account, replaced whole, and count failures in the same read", async (t) => {
      const store = await open(t);
      const domain = await store.domains.create(domainName("example.com"), T0);
      const user = (name: string) => store.users.create({ domainId: domain.id, address: address(`${name}@example.com`), displayName: name, role: "user", quotaBytes: 0, passwordHash: "x", now: T0 });
      const alice = await user("alice");
      const bob = await user("bob");
      const record = (userId: number, at: number, result: NewLoginRecord["result"]): NewLoginRecord => ({ at, identity: "x", userId, channel: "imap", ip: "198.51.100.7", clientId: null, method: "IMAP LOGIN", result, reason: result === "success" ? "ok" : result === "pending" ? "second_factor_required" : "invalid_credentials" });
      for (const r of [record(alice.id, T0, "failure"), record(alice.id, T0 + minute, "failure"), record(alice.id, T0 + 2 * minute, "success"), record(alice.id, T0 + 3 * minute, "pending"), record(bob.id, T0 + minute, "failure"), record(alice.id, T0 - minute, "failure")]) await store.loginRecords.append(r);

      assert.equal(await store.loginProfiles.get(alice.id), undefined);
      assert.deepEqual(await store.loginProfiles.getWithFailures(alice.id, T0), { profile: undefined, failures: 2 }, "since is inclusive; the older one, bob's, the success and the pending one are not counted");
      await store.loginProfiles.put(alice.id, { v: 1, countries: { NG: { days: 1 } } }, T0 + minute);
      await store.loginProfiles.put(alice.id, { v: 1, countries: { GB: { days: 2 } } }, T0 + 2 * minute);
      assert.deepEqual(await store.loginProfiles.get(alice.id), { data: { v: 1, countries: { GB: { days: 2 } } }, updatedAt: T0 + 2 * minute });
      assert.deepEqual(await store.loginProfiles.getWithFailures(alice.id, T0 + minute), { profile: { data: { v: 1, countries: { GB: { days: 2 } } }, updatedAt: T0 + 2 * minute }, failures: 1 });
      assert.deepEqual(await store.loginProfiles.getWithFailures(bob.id, T0 + 5 * minute), { profile: undefined, failures: 0 });
    });
  });
});
