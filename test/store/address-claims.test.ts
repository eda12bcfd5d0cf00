// One address names at most one user, alias or group — enforced by the store itself, so two
// concurrent creates (two admins, or two nodes on PostgreSQL) cannot both win.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { T0, addUser, address, domainName } from "./helpers.js";

const taken = (err: unknown) => isMoatError(err, "address_taken");

forEachDialect((dialect, open) => {
  describe(`address claims on ${dialect}`, () => {
    it("refuses an alias or a group on a user's address, and a user on an alias's", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const alice = await addUser(store, d, "alice");
      await assert.rejects(store.aliases.create({ domainId: d.id, address: alice.address, target: address("x@example.org"), now: T0 }), taken);
      await assert.rejects(store.groups.create({ domainId: d.id, address: alice.address, name: "", now: T0 }), taken);
      await store.aliases.create({ domainId: d.id, address: address("sales@example.com"), target: alice.address, now: T0 });
      await assert.rejects(addUser(store, d, "sales"), taken);
      await assert.rejects(store.groups.create({ domainId: d.id, address: address("sales@example.com"), name: "", now: T0 }), taken);
    });

    it("lets exactly one of concurrent creates of one address win", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const target = address("team@example.com");
      const results = await Promise.allSettled([
        addUser(store, d, "team"),
        store.aliases.create({ domainId: d.id, address: target, target: address("x@example.org"), now: T0 }),
        store.groups.create({ domainId: d.id, address: target, name: "Team", now: T0 }),
        store.aliases.create({ domainId: d.id, address: target, target: address("y@example.org"), now: T0 }),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) if (r.status === "rejected") assert.ok(taken(r.reason), String(r.reason));
      const holders = [await store.users.findByAddress(target), await store.aliases.findByAddress(target), await store.groups.findByAddress(target)];
      assert.equal(holders.filter(Boolean).length, 1);
    });

    it("frees the address when its holder is removed, or its domain", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const user = await addUser(store, d, "carol");
      await store.users.remove(user.id);
      const alias = await store.aliases.create({ domainId: d.id, address: user.address, target: address("x@example.org"), now: T0 });
      await store.aliases.remove(alias.id);
      const group = await store.groups.create({ domainId: d.id, address: user.address, name: "", now: T0 });
      await store.groups.remove(group.id);
      await addUser(store, d, "carol");
      await store.domains.remove(d.id);
      const again = await store.domains.create(domainName("example.com"), T0);
      await addUser(store, again, "carol");
    });

    it("keeps a caller's transaction usable after address_taken", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      await addUser(store, d, "dave");
      await store.transaction(async (tx) => {
        await assert.rejects(tx.aliases.create({ domainId: d.id, address: address("dave@example.com"), target: address("x@example.org"), now: T0 }), taken);
        await tx.aliases.create({ domainId: d.id, address: address("sales@example.com"), target: address("dave@example.com"), now: T0 });
      });
      assert.ok(await store.aliases.findByAddress(address("sales@example.com")));
    });
  });
});
