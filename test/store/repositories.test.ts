// The store contract, run unchanged against SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewLoginRecord } from "../../src/core/auth/types.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { T0, addUser, address, domainName } from "./helpers.js";

const code = (c: string) => (err: unknown) => isMoatError(err) && err.code === c;

forEachDialect((dialect, open) => {
  describe(`domains on ${dialect}`, () => {
    it("creates, finds by name and id, lists by name and removes", async (t) => {
      const store = await open(t);
      const b = await store.domains.create(domainName("b.example"), T0);
      const a = await store.domains.create(domainName("a.example"), T0 + 1);
      assert.deepEqual(a, { id: a.id, name: "a.example", createdAt: T0 + 1 });
      assert.equal(typeof a.id, "number");
      assert.deepEqual(await store.domains.findByName(domainName("b.example")), b);
      assert.deepEqual(await store.domains.findById(a.id), a);
      assert.deepEqual(await store.domains.list(), [a, b]);
      await store.domains.remove(b.id);
      assert.equal(await store.domains.findById(b.id), undefined);
      assert.equal(await store.domains.findByName(domainName("b.example")), undefined);
    });

    it("refuses a second domain of the same name with domain_exists", async (t) => {
      const store = await open(t);
      await store.domains.create(domainName("example.com"), T0);
      await assert.rejects(store.domains.create(domainName("example.com"), T0), code("domain_exists"));
    });

    it("removing a domain removes its users, aliases, groups and memberships, and nothing else", async (t) => {
      const store = await open(t);
      const doomed = await store.domains.create(domainName("doomed.example"), T0);
      const kept = await store.domains.create(domainName("kept.example"), T0);
      const doomedUser = await addUser(store, doomed, "ann");
      const keptUser = await addUser(store, kept, "bob");
      await store.aliases.create({ domainId: doomed.id, address: address("sales@doomed.example"), target: doomedUser.address, now: T0 });
      const doomedGroup = await store.groups.create({ domainId: doomed.id, address: address("all@doomed.example"), name: "All", now: T0 });
      const keptGroup = await store.groups.create({ domainId: kept.id, address: address("all@kept.example"), name: "All", now: T0 });
      await store.groups.addMember(doomedGroup.id, { kind: "user", userId: doomedUser.id, address: doomedUser.address });
      // A member of a surviving group who is a user of the removed domain goes with the user.
      await store.groups.addMember(keptGroup.id, { kind: "user", userId: doomedUser.id, address: doomedUser.address });
      await store.groups.addMember(keptGroup.id, { kind: "user", userId: keptUser.id, address: keptUser.address });

      await store.domains.remove(doomed.id);

      assert.deepEqual(await store.users.list(), [keptUser]);
      assert.deepEqual(await store.aliases.list(), []);
      assert.deepEqual((await store.groups.list()).map((g) => g.address), ["all@kept.example"]);
      assert.deepEqual(await store.groups.listMembers(doomedGroup.id), []);
      assert.deepEqual(await store.groups.listMembers(keptGroup.id), [{ kind: "user", userId: keptUser.id, address: keptUser.address }]);
      assert.equal(await store.domains.countAddresses(doomed.id), 0);
    });

    it("counts users, aliases and groups of one domain only", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const other = await store.domains.create(domainName("other.example"), T0);
      assert.equal(await store.domains.countAddresses(d.id), 0);
      await addUser(store, d, "ann");
      await addUser(store, d, "bob");
      await addUser(store, other, "eve");
      await store.aliases.create({ domainId: d.id, address: address("info@example.com"), target: address("ann@example.com"), now: T0 });
      await store.groups.create({ domainId: d.id, address: address("team@example.com"), name: "Team", now: T0 });
      assert.equal(await store.domains.countAddresses(d.id), 4);
      assert.equal(await store.domains.countAddresses(other.id), 1);
    });
  });

  describe(`users on ${dialect}`, () => {
    it("creates an active user and reads back exactly what was written", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const user = await store.users.create({
        domainId: d.id,
        address: address("alice@example.com"),
        displayName: "Alice Example",
        role: "domain_admin",
        quotaBytes: 5 * 1024 ** 3, // past 2^31: must survive as a number on both dialects
        passwordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        now: T0,
      });
      assert.deepEqual(user, {
        id: user.id,
        domainId: d.id,
        address: "alice@example.com",
        displayName: "Alice Example",
        status: "active",
        role: "domain_admin",
        quotaBytes: 5 * 1024 ** 3,
        passwordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        passwordChangedAt: T0,
        mustChangePassword: false,
        createdAt: T0,
      });
      assert.deepEqual(await store.users.findByAddress(address("alice@example.com")), user);
      assert.deepEqual(await store.users.findById(user.id), user);
      assert.equal(await store.users.findByAddress(address("bob@example.com")), undefined);
      assert.equal(await store.users.findById(user.id + 1000), undefined);
    });

    it("lists in address order, optionally for one domain", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const e = await store.domains.create(domainName("example.org"), T0);
      // Byte order on both dialects, whatever the PostgreSQL locale: '-' < '.' < letters.
      for (const local of ["ab", "a.c", "a-b", "aa"]) await addUser(store, d, local);
      await addUser(store, e, "a");
      assert.deepEqual(
        (await store.users.list()).map((u) => u.address),
        ["a-b@example.com", "a.c@example.com", "a@example.org", "aa@example.com", "ab@example.com"],
      );
      assert.deepEqual((await store.users.list(e.id)).map((u) => u.address), ["a@example.org"]);
    });

    it("refuses a taken address with address_taken, and an unknown domain with domain_not_found", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      await addUser(store, d, "alice");
      await assert.rejects(addUser(store, d, "alice"), code("address_taken"));
      await assert.rejects(addUser(store, { ...d, id: d.id + 1000 }, "bob"), code("domain_not_found"));
      assert.equal((await store.users.list()).length, 1);
    });

    it("changes password and status, and removes", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const user = await addUser(store, d, "alice");
      await store.users.setPassword(user.id, "$argon2id$new", T0 + 5, true);
      await store.users.setStatus(user.id, "suspended");
      assert.deepEqual(await store.users.findById(user.id), {
        ...user,
        passwordHash: "$argon2id$new",
        passwordChangedAt: T0 + 5,
        mustChangePassword: true,
        status: "suspended",
      });
      await store.users.remove(user.id);
      assert.equal(await store.users.findById(user.id), undefined);
    });

    it("never hands out a removed user's id again", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const first = await addUser(store, d, "alice");
      await store.users.remove(first.id);
      const second = await addUser(store, d, "bob");
      assert.ok(second.id > first.id, "a reused id would inherit the old account's login records");
    });
  });

  describe(`aliases on ${dialect}`, () => {
    it("creates, finds, lists in address order and removes", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const sales = await store.aliases.create({ domainId: d.id, address: address("sales@example.com"), target: address("ann@example.com"), now: T0 });
      const info = await store.aliases.create({ domainId: d.id, address: address("info@example.com"), target: address("x@elsewhere.example"), now: T0 + 1 });
      assert.deepEqual(info, { id: info.id, domainId: d.id, address: "info@example.com", target: "x@elsewhere.example", createdAt: T0 + 1 });
      assert.deepEqual(await store.aliases.findByAddress(address("sales@example.com")), sales);
      assert.deepEqual(await store.aliases.list(), [info, sales]);
      assert.deepEqual(await store.aliases.list(d.id + 1000), []);
      await store.aliases.remove(sales.id);
      assert.deepEqual(await store.aliases.list(d.id), [info]);
    });

    it("refuses a taken alias address with address_taken", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const alias = { domainId: d.id, address: address("sales@example.com"), target: address("ann@example.com"), now: T0 };
      await store.aliases.create(alias);
      await assert.rejects(store.aliases.create(alias), code("address_taken"));
    });
  });

  describe(`groups on ${dialect}`, () => {
    it("creates, finds, lists and removes groups", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const team = await store.groups.create({ domainId: d.id, address: address("team@example.com"), name: "Team", now: T0 });
      const all = await store.groups.create({ domainId: d.id, address: address("all@example.com"), name: "Everyone", now: T0 });
      assert.deepEqual(team, { id: team.id, domainId: d.id, address: "team@example.com", name: "Team", createdAt: T0 });
      assert.deepEqual(await store.groups.findByAddress(address("team@example.com")), team);
      assert.deepEqual(await store.groups.list(d.id), [all, team]);
      await store.groups.remove(team.id);
      assert.deepEqual(await store.groups.list(), [all]);
    });

    it("refuses a taken group address with address_taken", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const group = { domainId: d.id, address: address("team@example.com"), name: "Team", now: T0 };
      await store.groups.create(group);
      await assert.rejects(store.groups.create(group), code("address_taken"));
    });

    it("keeps user and outside members in address order; member_exists for a repeat", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const group = await store.groups.create({ domainId: d.id, address: address("team@example.com"), name: "Team", now: T0 });
      const zoe = await addUser(store, d, "zoe");
      await store.groups.addMember(group.id, { kind: "user", userId: zoe.id, address: zoe.address });
      await store.groups.addMember(group.id, { kind: "external", address: address("partner@elsewhere.example") });
      await assert.rejects(
        store.groups.addMember(group.id, { kind: "external", address: zoe.address }),
        code("member_exists"),
      );
      assert.deepEqual(await store.groups.listMembers(group.id), [
        { kind: "external", address: "partner@elsewhere.example" },
        { kind: "user", userId: zoe.id, address: "zoe@example.com" },
      ]);
      assert.equal(await store.groups.removeMember(group.id, address("partner@elsewhere.example")), true);
      assert.equal(await store.groups.removeMember(group.id, address("partner@elsewhere.example")), false);
      assert.deepEqual(await store.groups.listMembers(group.id), [{ kind: "user", userId: zoe.id, address: zoe.address }]);
    });

    it("drops memberships with the group and with the member user", async (t) => {
      const store = await open(t);
      const d = await store.domains.create(domainName("example.com"), T0);
      const a = await store.groups.create({ domainId: d.id, address: address("a@example.com"), name: "A", now: T0 });
      const b = await store.groups.create({ domainId: d.id, address: address("b@example.com"), name: "B", now: T0 });
      const ann = await addUser(store, d, "ann");
      const outside = { kind: "external", address: address("x@elsewhere.example") } as const;
      await store.groups.addMember(a.id, outside);
      await store.groups.addMember(b.id, outside);
      await store.groups.addMember(b.id, { kind: "user", userId: ann.id, address: ann.address });
      await store.groups.remove(a.id);
      await store.users.remove(ann.id);
      assert.deepEqual(await store.groups.listMembers(a.id), []);
      assert.deepEqual(await store.groups.listMembers(b.id), [outside]);
    });

    it("refuses a member for a group that does not exist", async (t) => {
      const store = await open(t);
      await assert.rejects(
        store.groups.addMember(4242, { kind: "external", address: address("x@elsewhere.example") }),
        code("group_not_found"),
      );
    });
  });

  describe(`login records on ${dialect}`, () => {
    const record = (n: number, over: Partial<NewLoginRecord> = {}): NewLoginRecord => ({
      at: T0 + n,
      identity: "alice@example.com",
      userId: 7,
      channel: "imap",
      ip: "198.51.100.7",
      clientId: null,
      method: "IMAP LOGIN",
      result: "success",
      reason: "ok",
      ...over,
    });

    it("appends and reads back every field", async (t) => {
      const store = await open(t);
      const written = record(1, { clientId: "Thunderbird 128", channel: "smtp", result: "failure", reason: "invalid_credentials" });
      const appended = await store.loginRecords.append(written);
      // The places of 0019 are optional when appending: a record without them keeps nulls.
      const none = { network: null, country: null, region: null, city: null, asn: null, asOrg: null, appPasswordName: null };
      assert.deepEqual(appended, { id: appended.id, ...none, ...written });
      const unknown = await store.loginRecords.append(record(2, { userId: null, identity: "nobody", reason: "unknown_account", result: "failure" }));
      assert.deepEqual(await store.loginRecords.list({ limit: 10 }), [unknown, appended]);
    });

    it("filters by user, identity, channel and result, newest first", async (t) => {
      const store = await open(t);
      const r1 = await store.loginRecords.append(record(1));
      const r2 = await store.loginRecords.append(record(2, { channel: "pop3", result: "failure", reason: "invalid_credentials" }));
      const r3 = await store.loginRecords.append(record(3, { userId: 8, identity: "bob@example.com" }));
      const r4 = await store.loginRecords.append(record(4, { userId: null, identity: "bob@example.com", result: "failure", reason: "unknown_account" }));
      const ids = async (q: Parameters<typeof store.loginRecords.list>[0]) => (await store.loginRecords.list(q)).map((r) => r.id);
      assert.deepEqual(await ids({ limit: 10 }), [r4.id, r3.id, r2.id, r1.id]);
      assert.deepEqual(await ids({ userId: 7, limit: 10 }), [r2.id, r1.id]);
      assert.deepEqual(await ids({ identity: "bob@example.com", limit: 10 }), [r4.id, r3.id]);
      assert.deepEqual(await ids({ channel: "pop3", limit: 10 }), [r2.id]);
      assert.deepEqual(await ids({ result: "failure", limit: 10 }), [r4.id, r2.id]);
      assert.deepEqual(await ids({ userId: 7, result: "success", channel: "imap", limit: 10 }), [r1.id]);
      await assert.rejects(store.loginRecords.list({ limit: 0 }), code("invalid_input"));
    });

    it("pages newest first by id, with no gaps or repeats", async (t) => {
      const store = await open(t);
      const all = [];
      for (let n = 0; n < 7; n++) all.push(await store.loginRecords.append(record(n, { userId: n % 2 })));
      const pages: number[][] = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await store.loginRecords.list({ limit: 3, ...(beforeId === undefined ? {} : { beforeId }) });
        if (page.length === 0) break;
        pages.push(page.map((r) => r.id));
        beforeId = page[page.length - 1]!.id;
      }
      const ids = all.map((r) => r.id).reverse();
      assert.deepEqual(pages, [ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
      const evens = all.filter((r) => r.userId === 0).map((r) => r.id).reverse();
      assert.deepEqual((await store.loginRecords.list({ userId: 0, beforeId: evens[0]!, limit: 2 })).map((r) => r.id), evens.slice(1, 3));
    });

    it("prunes records older than the cut-off and says how many", async (t) => {
      const store = await open(t);
      for (let n = 0; n < 5; n++) await store.loginRecords.append(record(n * 1000));
      assert.equal(await store.loginRecords.prune(T0 + 2000), 2);
      assert.deepEqual((await store.loginRecords.list({ limit: 10 })).map((r) => r.at), [T0 + 4000, T0 + 3000, T0 + 2000]);
      assert.equal(await store.loginRecords.prune(T0), 0);
    });
  });

  describe(`throttle on ${dialect}`, () => {
    it("puts, overwrites, gets and clears a key", async (t) => {
      const store = await open(t);
      assert.equal(await store.throttle.get("alice|198.51.100.0/24"), undefined);
      await store.throttle.put("alice|198.51.100.0/24", { failures: 1, firstFailureAt: T0, lastFailureAt: T0, blockedUntil: null });
      const blocked = { failures: 10, firstFailureAt: T0, lastFailureAt: T0 + 9, blockedUntil: T0 + 900_000 };
      await store.throttle.put("alice|198.51.100.0/24", blocked);
      assert.deepEqual(await store.throttle.get("alice|198.51.100.0/24"), blocked);
      await store.throttle.clear("alice|198.51.100.0/24");
      assert.equal(await store.throttle.get("alice|198.51.100.0/24"), undefined);
    });

    it("prunes stale keys but keeps recent ones and blocks still running", async (t) => {
      const store = await open(t);
      const cutoff = T0 + 60_000;
      await store.throttle.put("stale", { failures: 2, firstFailureAt: T0, lastFailureAt: T0 + 1, blockedUntil: null });
      await store.throttle.put("stale-expired-block", { failures: 10, firstFailureAt: T0, lastFailureAt: T0 + 1, blockedUntil: T0 + 2 });
      await store.throttle.put("recent", { failures: 1, firstFailureAt: cutoff, lastFailureAt: cutoff + 5, blockedUntil: null });
      await store.throttle.put("stale-but-blocked", { failures: 10, firstFailureAt: T0, lastFailureAt: T0 + 1, blockedUntil: cutoff + 900_000 });
      assert.equal(await store.throttle.prune(cutoff), 2);
      assert.equal(await store.throttle.get("stale"), undefined);
      assert.equal(await store.throttle.get("stale-expired-block"), undefined);
      assert.notEqual(await store.throttle.get("recent"), undefined);
      assert.notEqual(await store.throttle.get("stale-but-blocked"), undefined);
    });
  });
});
