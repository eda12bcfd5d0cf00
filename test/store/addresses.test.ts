// addresses.resolve: who a local address is, in one query, alike on both dialects.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachDialect } from "../support/stores.js";
import { T0, addUser, address, domainName } from "./helpers.js";

forEachDialect((dialect, open) => {
  describe(`address owners on ${dialect}`, () => {
    it("finds the user, alias or group of an address, none for a free one, nothing outside our domains", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      await store.domains.create(domainName("other.example"), T0);
      const alice = await addUser(store, d, "alice");
      await store.aliases.create({ domainId: d.id, address: address("sales@example.com"), target: alice.address, now: T0 });
      const group = await store.groups.create({ domainId: d.id, address: address("team@example.com"), name: "Team", now: T0 });

      const inbox = await store.mailboxes.create(alice.id, [{ name: "INBOX", specialUse: null }, { name: "Sent", specialUse: "\\Sent" }], 1, T0);
      assert.deepEqual(await store.addresses.resolve(alice.address), { kind: "user", user: alice, inboxId: inbox[0]!.id });
      assert.deepEqual(await store.addresses.resolve(address("sales@example.com")), { kind: "alias", target: alice.address });
      assert.deepEqual(await store.addresses.resolve(address("team@example.com")), { kind: "group", groupId: group.id });
      assert.deepEqual(await store.addresses.resolve(address("nobody@example.com")), { kind: "none" });
      // Another of our domains does not own example.com's addresses.
      assert.deepEqual(await store.addresses.resolve(address("alice@other.example")), { kind: "none" });
      assert.equal(await store.addresses.resolve(address("alice@elsewhere.example")), undefined);
      // Inside a transaction, the transaction's own writes count.
      await store.transaction(async (tx) => {
        const bob = await addUser(tx, d, "bob");
        assert.deepEqual(await tx.addresses.resolve(bob.address), { kind: "user", user: bob, inboxId: null }, "no mailboxes yet");
      });
    });
  });
});
