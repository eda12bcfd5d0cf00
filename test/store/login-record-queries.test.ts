// The login-record queries of issue 8 item 1 (decision 0024), on SQLite and PostgreSQL: the
// enrichment fields read back; filters by one address (also IPv4-mapped), IPv4 and IPv6 CIDR
// ranges (and only records inside them), country, result, time range and a domain's records
// (its accounts and the names in it that matched none), combined, paged newest first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewLoginRecord } from "../../src/core/auth/types.js";
import type { LoginRecordQuery } from "../../src/core/ports/store.js";
import { ipKeyRange } from "../../src/shared/ip-key.js";
import { forEachDialect } from "../support/stores.js";
import { T0 } from "./helpers.js";

const base: NewLoginRecord = { at: T0, identity: "alice@example.com", userId: 1, channel: "imap", ip: "198.51.100.7", clientId: null, method: "IMAP LOGIN", result: "success", reason: "ok" };

forEachDialect((dialect, open) => {
  describe(`login record queries on ${dialect}`, () => {
    it("keeps the place, the network and the client security password's name", async (t) => {
      const store = await open(t);
      const written: NewLoginRecord = { ...base, ip: "193.0.0.1", network: "public", country: "NL", region: "North Holland", city: "Amsterdam", asn: 4_200_000_001, asOrg: 'LLC "Quoted", Inc.', appPasswordName: "Thunderbird on laptop" };
      const appended = await store.loginRecords.append(written);
      assert.deepEqual(appended, { id: appended.id, ...written });
      assert.deepEqual(await store.loginRecords.list({ limit: 1 }), [appended], "a 32-bit ASN above 2^31 reads back as a number");
    });

    it("filters by address, CIDR (IPv4, IPv6, mapped), country, result, time and domain; paged newest first", async (t) => {
      const store = await open(t);
      const add = (n: number, over: Partial<NewLoginRecord>) => store.loginRecords.append({ ...base, at: T0 + n * 1000, ...over });
      const r = [
        await add(0, { ip: "203.0.113.7", country: null, network: "reserved" }),
        await add(1, { ip: "203.0.113.200", result: "failure", reason: "invalid_credentials" }),
        await add(2, { ip: "203.0.114.1", country: "DE" }),
        await add(3, { ip: "2001:db8:1::5", country: "DE", userId: 2, identity: "bob@example.com" }),
        await add(4, { ip: "2001:db8:2::5", country: "NG", result: "failure", reason: "invalid_credentials" }),
        await add(5, { ip: "2001:db9::1", country: "NG", userId: 3, identity: "carol@example.org" }),
        await add(6, { ip: "10.0.0.1", network: "private", userId: null, identity: "ghost@example.com", result: "failure", reason: "unknown_account" }),
        await add(7, { ip: "::1", network: "loopback", userId: null, identity: "ghost@example.org", result: "failure", reason: "unknown_account" }),
      ].map((x) => x.id);
      const ids = async (q: Omit<LoginRecordQuery, "limit">, limit = 100) => (await store.loginRecords.list({ ...q, limit })).map((x) => x.id);
      const newest = (...picked: number[]) => picked.map((i) => r[i]!).reverse();

      assert.deepEqual(await ids({ ip: "203.0.113.7" }), newest(0));
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("203.0.113.0/24") }), newest(0, 1));
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("::ffff:203.0.112.0/118") }), newest(0, 1, 2), "an IPv4-mapped range is the IPv4 range 203.0.112.0/22");
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("203.0.113.200") }), newest(1), "a bare address is its own range");
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("2001:db8::/32") }), newest(3, 4));
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("2001:db8:1::/48") }), newest(3));
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("0.0.0.0/0") }), newest(0, 1, 2, 6), "every IPv4 address and no IPv6 one");
      assert.deepEqual(await ids({ ipKeyRange: ipKeyRange("::/0") }), newest(0, 1, 2, 3, 4, 5, 6, 7), "IPv6 ::/0 holds the mapped IPv4 space too");
      assert.deepEqual(await ids({ country: "NG" }), newest(4, 5));
      assert.deepEqual(await ids({ country: "DE", result: "success" }), newest(2, 3));
      assert.deepEqual(await ids({ result: "failure" }), newest(1, 4, 6, 7));
      assert.deepEqual(await ids({ since: T0 + 2000, until: T0 + 5000 }), newest(2, 3, 4), "since inclusive, until exclusive");
      assert.deepEqual(await ids({ domain: { name: "example.com", userIds: [1, 2] } }), newest(0, 1, 2, 3, 4, 6), "its accounts and the unknown names in it");
      assert.deepEqual(await ids({ domain: { name: "example.org", userIds: [3] } }), newest(5, 7));
      assert.deepEqual(await ids({ domain: { name: "example.org", userIds: [] } }), newest(7), "a domain without accounts: the unknown names");
      assert.deepEqual(await ids({ domain: { name: "ample.com", userIds: [] } }), [], "the whole domain after the @, not a suffix");
      assert.deepEqual(await ids({ domain: { name: "example.com", userIds: [1, 2] }, country: "DE", ipKeyRange: ipKeyRange("2001:db8::/32") }), newest(3));

      // Pages of 3 over a filter, each from the last id of the one before: no gaps, no repeats.
      const pages: number[][] = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await ids({ domain: { name: "example.com", userIds: [1, 2] }, ...(beforeId === undefined ? {} : { beforeId }) }, 3);
        if (page.length === 0) break;
        pages.push(page);
        beforeId = page.at(-1);
      }
      assert.deepEqual(pages, [newest(3, 4, 6), newest(0, 1, 2)]);
    });

    it("prunes by age whatever the filters would show", async (t) => {
      const store = await open(t);
      for (let n = 0; n < 4; n++) await store.loginRecords.append({ ...base, at: T0 + n * 1000, country: "DE" });
      assert.equal(await store.loginRecords.prune(T0 + 2000), 2);
      assert.deepEqual((await store.loginRecords.list({ country: "DE", limit: 10 })).map((x) => x.at), [T0 + 3000, T0 + 2000]);
    });
  });
});
