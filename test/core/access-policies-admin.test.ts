// Saving access policies (issue 6 item 4, decision 0015), on SQLite and PostgreSQL: a policy
// that would lock out every administrator of the domain from where they last logged in, or the
// administrator saving it from where they are, is refused with their names; every change is in
// the audit log with before and after; bad input is refused whole, nothing half-written.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGeoLite2 } from "../../src/adapters/geoip/index.js";
import type { Actor } from "../../src/core/security/audit.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { admin, ctx, outcome, PASSWORD, securityCore } from "./login-security-setup.js";

const geoip = createGeoLite2();
const lockout = (pattern: RegExp) => (err: unknown) => isMoatError(err, "access_policy_lockout") && pattern.test(err.message);

forEachDialect((dialect, open) => {
  describe(`saving access policies on ${dialect}`, () => {
    it("refuses a policy that locks every admin out of every place they last logged in from, naming them", async (t) => {
      const { security, authenticate, accounts, store } = await securityCore(t, await open(t), { geoip });
      await accounts.addUser({ address: "boss@example.com", password: PASSWORD, role: "admin" });
      await accounts.addUser({ address: "deputy@example.com", password: PASSWORD, role: "domain_admin" });
      assert.equal(await outcome(authenticate("web", "boss@example.com", PASSWORD, ctx("8.8.8.8"))), "ok");
      assert.equal(await outcome(authenticate("imap", "boss@example.com", PASSWORD, ctx("198.51.100.20"))), "ok");
      assert.equal(await outcome(authenticate("imap", "deputy@example.com", PASSWORD, ctx("2001:db8:9::1"))), "ok");
      // alice (not an admin) logs in from elsewhere: she does not count.
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx("192.0.2.1"))), "ok");

      await assert.rejects(
        security.accessPolicies.add("example.com", "office", { mode: "allow", ips: ["192.0.2.0/24"] }, admin),
        lockout(/every administrator of example\.com.*boss@example\.com \(web from 8\.8\.8\.8 by "office", imap from 198\.51\.100\.20 by "office"\); deputy@example\.com \(imap from 2001:db8:9::1/),
      );
      assert.deepEqual(await security.accessPolicies.list("example.com"), [], "nothing saved");
      assert.deepEqual(await security.audit.list({ limit: 10 }), [], "nothing audited");

      // IMAP only from the office: both still have the web (deputy never used it: no evidence), so boss keeps a way in.
      await security.accessPolicies.add("example.com", "imap office", { mode: "allow", ips: ["192.0.2.0/24"], channels: ["imap"] }, admin);
      // Then refusing the US on the web closes boss's last place; deputy's only place is closed already.
      await assert.rejects(security.accessPolicies.add("example.com", "no US", { mode: "deny", countries: ["US"] }, admin), lockout(/boss@example\.com \(web from 8\.8\.8\.8 by "no US", imap from 198\.51\.100\.20 by "imap office"\)/));
      // The same policy with an exception for boss, or saved disabled, is accepted; enabling the disabled one is checked.
      await security.accessPolicies.add("example.com", "no US later", { mode: "deny", countries: ["US"], enabled: false }, admin);
      await assert.rejects(security.accessPolicies.setEnabled("example.com", "no US later", true, admin), lockout(/boss@example\.com/));
      await security.accessPolicies.add("example.com", "no US but boss", { mode: "deny", countries: ["US"], except: ["boss@example.com"] }, admin);
      // Changing a saved policy is checked as the set it makes.
      await assert.rejects(security.accessPolicies.update("example.com", "no US but boss", { except: [] }, admin), lockout(/boss@example\.com/));
      assert.deepEqual((await store.accessPolicies.list()).map((p) => [p.name, p.enabled]), [["imap office", true], ["no US but boss", true], ["no US later", false]]);
      // A suspended admin is no way in.
      await accounts.setStatus("boss@example.com", "suspended");
      await assert.rejects(security.accessPolicies.setEnabled("example.com", "no US later", true, admin), lockout(/deputy@example\.com/));
    });

    it("refuses a policy that locks out the admin saving it, from where they are", async (t) => {
      const { security, accounts, alice } = await securityCore(t, await open(t), { geoip });
      const boss = await accounts.addUser({ address: "boss@example.com", password: PASSWORD, role: "admin" });
      const actor: Actor = { kind: "user", userId: boss.id, address: boss.address };
      await assert.rejects(
        security.accessPolicies.add("example.com", "NL only", { mode: "allow", countries: ["NL"] }, actor, { ip: "8.8.8.8", channel: "web" }),
        lockout(/lock you \(boss@example\.com\) out: web from 8\.8\.8\.8 is refused by "NL only"/),
      );
      await security.accessPolicies.add("example.com", "NL only", { mode: "allow", countries: ["NL"] }, actor, { ip: "193.0.0.1", channel: "web" });
      // Another account's admin is not "you": a policy on alice from the admin's place is fine.
      await security.accessPolicies.add("example.com", "alice no web", { mode: "deny", channels: ["web"], users: [alice.address] }, actor, { ip: "193.0.0.1", channel: "web" });
      assert.equal((await security.audit.list({ limit: 1 }))[0]?.actor, "user:boss@example.com");
    });

    it("audits add, change, enable, disable and remove with before and after", async (t) => {
      const { security } = await securityCore(t, await open(t), { geoip });
      await security.accessPolicies.add("example.com", "office", { mode: "allow", ips: ["192.0.2.0/24"] }, admin);
      await security.accessPolicies.update("example.com", "office", { ips: ["192.0.2.0/24", "2001:db8::/32"], channels: ["imap"] }, admin);
      await security.accessPolicies.setEnabled("example.com", "office", false, admin);
      await security.accessPolicies.setEnabled("example.com", "office", true, admin);
      await security.accessPolicies.remove("example.com", "office", admin);
      const entries = (await security.audit.list({ limit: 10 })).reverse();
      assert.deepEqual(
        entries.map((e) => [e.action, e.target, e.actor]),
        ["add", "update", "disable", "enable", "remove"].map((a) => [`access_policy.${a}`, "example.com/office", "cli:tester"]),
      );
      const [added, updated, disabled, , removed] = entries as [(typeof entries)[0], ...typeof entries];
      assert.equal(added.before, null);
      assert.deepEqual(added.after, { domain: "example.com", name: "office", enabled: true, mode: "allow", appliesTo: "all", users: [], groups: [], except: [], ips: ["192.0.2.0/24"], countries: [], channels: [] });
      assert.deepEqual(updated!.before, added.after);
      assert.deepEqual([(updated!.after as { ips: string[] }).ips, (updated!.after as { channels: string[] }).channels], [["192.0.2.0/24", "2001:db8::/32"], ["imap"]]);
      assert.deepEqual([(disabled!.before as { enabled: boolean }).enabled, (disabled!.after as { enabled: boolean }).enabled], [true, false]);
      assert.equal(removed!.after, null);
      assert.equal((removed!.before as { name: string }).name, "office");
    });

    it("refuses bad input with a clear error and saves nothing", async (t) => {
      const { security, accounts, store } = await securityCore(t, await open(t), { geoip });
      await accounts.addDomain("example.org");
      await accounts.addUser({ address: "olga@example.org", password: PASSWORD });
      const bad: Array<[Parameters<typeof security.accessPolicies.add>[2], RegExp, string?]> = [
        [{ mode: "allow", ips: ["10.0.0.0/33"] }, /not an IP address or CIDR range/],
        [{ mode: "allow", countries: ["UK"] }, /not an ISO 3166-1 country code.*United Kingdom is GB/],
        [{ mode: "allow", countries: ["XX"] }, /not an ISO 3166-1 country code/],
        [{ mode: "deny", channels: ["ftp"] }, /not a channel/],
        [{ mode: "deny", channels: ["imap"], users: ["nobody@example.com"] }, /no such user|nobody/],
        [{ mode: "deny", channels: ["imap"], users: ["olga@example.org"] }, /olga@example\.org is not in example\.com/],
        [{ mode: "deny", channels: ["imap"], groups: ["nogroup@example.com"] }, /group/],
        [{ mode: "allow", channels: ["imap"] }, /allow-list policy needs the places/],
        [{ mode: "deny" }, /deny-list policy needs what it refuses/],
        [{ ips: ["10.0.0.0/8"] }, /needs a mode/],
        [{ mode: "allow", ips: ["10.0.0.0/8"] }, /not a policy name/, "bad/name"],
      ];
      for (const [draft, pattern, name] of bad) {
        await assert.rejects(security.accessPolicies.add("example.com", name ?? "p", draft, admin), (err: unknown) => isMoatError(err) && pattern.test(err.message), pattern.source);
      }
      await assert.rejects(security.accessPolicies.add("nosuch.example", "p", { mode: "deny", channels: ["pop3"] }, admin), (err: unknown) => isMoatError(err, "domain_not_found"));
      assert.deepEqual(await store.accessPolicies.list(), []);
      await security.accessPolicies.add("example.com", "p", { mode: "deny", channels: ["pop3"] }, admin);
      await assert.rejects(security.accessPolicies.add("example.com", "p", { mode: "deny", channels: ["imap"] }, admin), /already an access policy named "p"/);
      await assert.rejects(security.accessPolicies.remove("example.com", "q", admin), (err: unknown) => isMoatError(err, "access_policy_not_found"));
      await assert.rejects(security.accessPolicies.update("example.com", "p", { mode: "allow" }, admin), /allow-list policy needs the places/);
      assert.deepEqual((await store.accessPolicies.list()).map((p) => [p.name, p.mode, p.channels]), [["p", "deny", ["pop3"]]]);
      assert.equal((await security.audit.list({ limit: 10 })).length, 1, "only the one good change");
    });
  });
});
