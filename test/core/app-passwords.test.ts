// Client security passwords through authenticate() (issue 6, item 1), on SQLite and PostgreSQL:
// generation, use on IMAP/POP3/SMTP only, protocol limits, expiry, "required" per account and
// forced by the domain, revocation on password change, and the end of the sessions they opened.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appPasswordAlphabet } from "../../src/core/auth/app-password-secret.js";
import { forEachDialect } from "../support/stores.js";
import { admin, countingHasher, ctx, outcome, PASSWORD, securityCore } from "./login-security-setup.js";

const day = 86_400_000;
const plain = (secret: string) => secret.replace(/ /g, "");

forEachDialect((dialect, open) => {
  describe(`client security passwords on ${dialect}`, () => {
    it("are generated with ≥80 bits from a phone-friendly alphabet, grouped in fours, and stored only as a keyed hash", async (t) => {
      const store = await open(t);
      const { security, alice } = await securityCore(t, store);
      const { secret } = await security.appPasswords.create("alice@example.com", "Outlook on laptop", [], admin);
      assert.match(secret, /^([a-z]{4} ){4}[a-z]{4}$/);
      assert.ok([...plain(secret)].every((c) => appPasswordAlphabet.includes(c)));
      assert.ok(plain(secret).length * Math.log2(appPasswordAlphabet.length) >= 80, "at least 80 bits");
      const other = await security.appPasswords.create("alice@example.com", "Phone", [], admin);
      assert.notEqual(other.secret, secret);
      const [row] = await store.appPasswords.listForUser(alice.id);
      assert.match(row?.hash ?? "", /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(row).includes(plain(secret)), "the secret itself is nowhere in the row");
    });

    it("log in over IMAP, POP3 and SMTP ignoring spaces and case, without an argon2 hash, and never on web or API", async (t) => {
      const store = await open(t);
      const passwords = countingHasher();
      const { security, authenticate, alice } = await securityCore(t, store, { passwords });
      const { secret } = await security.appPasswords.create("alice@example.com", "Thunderbird", [], admin);
      const before = passwords.verifies;
      for (const [channel, typed] of [["imap", secret], ["pop3", plain(secret).toUpperCase()], ["smtp", ` ${secret.replace(/ /g, "-")} `]] as const) {
        const result = await authenticate(channel, "alice@example.com", typed, ctx());
        assert.ok(result.ok, `${channel}: ${JSON.stringify(result)}`);
        assert.deepEqual(result.credential, { kind: "app_password", id: (await store.appPasswords.listForUser(alice.id))[0]!.id, name: "Thunderbird" });
      }
      assert.equal(passwords.verifies, before, "no argon2 verify for a client security password");
      for (const channel of ["web", "api"] as const) assert.equal(await outcome(authenticate(channel, "alice@example.com", secret, ctx())), "invalid_credentials");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", PASSWORD, ctx())), "ok", "the main password still works while not required");
    });

    it("work only on the protocols they are limited to, refused like a wrong password elsewhere", async (t) => {
      const store = await open(t);
      const { security, authenticate, reasons } = await securityCore(t, store);
      const { secret } = await security.appPasswords.create("alice@example.com", "Sender", ["smtp"], admin);
      assert.equal(await outcome(authenticate("smtp", "alice@example.com", secret, ctx())), "ok");
      const imap = await authenticate("imap", "alice@example.com", secret, ctx());
      assert.ok(!imap.ok && imap.publicMessage === "Authentication failed" && !imap.temporary);
      assert.deepEqual((await reasons()).slice(-1), ["app_password_wrong_protocol"]);
    });

    it("record their last use (time, IP, protocol) and expire when unused longer than the domain allows", async (t) => {
      const store = await open(t);
      const { security, authenticate, clock } = await securityCore(t, store);
      const used = await security.appPasswords.create("alice@example.com", "Used", [], admin);
      const idle = await security.appPasswords.create("alice@example.com", "Idle", [], admin);
      clock.advance(100 * day);
      assert.equal(await outcome(authenticate("pop3", "alice@example.com", used.secret, ctx("2001:db8::7"))), "ok");
      const [listedUsed] = await security.appPasswords.list("alice@example.com");
      assert.deepEqual([listedUsed?.lastUsedAt, listedUsed?.lastUsedIp, listedUsed?.lastUsedProtocol], [clock.now(), "2001:db8::7", "pop3"]);
      clock.advance(81 * day); // idle: 181 days since creation; used: 81 since last use
      assert.equal(await outcome(authenticate("imap", "alice@example.com", idle.secret, ctx())), "app_password_expired");
      assert.equal(await outcome(authenticate("imap", "alice@example.com", used.secret, ctx())), "ok");
      assert.deepEqual((await security.appPasswords.list("alice@example.com")).map((p) => [p.name, p.expired]), [["Used", false], ["Idle", true]]);
      await security.settings.updateDomain("example.com", { appPasswordExpiryDays: 0 }, admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", idle.secret, ctx())), "ok", "0 days: never expire");
    });

    it("a user creating one for themselves must give the main password again", async (t) => {
      const store = await open(t);
      const { security, alice, authenticate } = await securityCore(t, store);
      const self = { kind: "user" as const, userId: alice.id, address: alice.address };
      await assert.rejects(security.appPasswords.createForSelf(self, "not my password", "Phone", []), /account password is not right/);
      assert.deepEqual(await security.appPasswords.list("alice@example.com"), []);
      const { secret } = await security.appPasswords.createForSelf(self, PASSWORD, "Phone", ["imap"]);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", secret, ctx())), "ok");
      assert.equal((await security.audit.list({ limit: 1 }))[0]?.actor, "user:alice@example.com");
    });

    it("are limited to 20 per account, with unique names", async (t) => {
      const store = await open(t);
      const { security } = await securityCore(t, store);
      for (let i = 0; i < 20; i++) await security.appPasswords.create("alice@example.com", `device ${i}`, [], admin);
      await assert.rejects(security.appPasswords.create("alice@example.com", "one more", [], admin), /already has 20/);
      await security.appPasswords.remove("alice@example.com", "device 3", admin);
      await assert.rejects(security.appPasswords.create("alice@example.com", "device 4", [], admin), /already a client security password named/);
      await security.appPasswords.create("alice@example.com", "device 3", [], admin);
    });

    it("when required, the main password is refused over IMAP/POP3/SMTP with a hint, but still works on the web", async (t) => {
      const store = await open(t);
      const { security, authenticate, reasons } = await securityCore(t, store);
      await security.settings.updateAccount("alice@example.com", { securityPasswordRequired: true }, admin);
      for (const channel of ["imap", "pop3", "smtp"] as const) {
        const result = await authenticate(channel, "alice@example.com", PASSWORD, ctx());
        assert.ok(!result.ok && result.reason === "security_password_required");
        assert.match(result.publicMessage, /client security password.*security settings/);
      }
      assert.equal(await outcome(authenticate("imap", "alice@example.com", "wrong password", ctx())), "invalid_credentials", "a wrong password is told nothing more");
      assert.equal(await outcome(authenticate("web", "alice@example.com", PASSWORD, ctx())), "ok");
      const { secret } = await security.appPasswords.create("alice@example.com", "Mail app", [], admin);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", secret, ctx())), "ok");
      assert.deepEqual((await reasons()).slice(0, 3), ["security_password_required", "security_password_required", "security_password_required"]);
    });

    it("the domain forces it for all, listed accounts or members of listed groups, with exceptions; a user cannot turn it off", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts } = await securityCore(t, store);
      await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
      await accounts.addUser({ address: "carol@example.com", password: PASSWORD });
      await accounts.addGroup("sales@example.com", "Sales");
      await accounts.addMembers("sales@example.com", ["carol@example.com"]);
      const imapOk = async (who: string) => outcome(authenticate("imap", who, PASSWORD, ctx()));

      await security.settings.updateDomain("example.com", { securityPasswords: "all", securityPasswordExcept: ["Bob@Example.com"] }, admin);
      assert.deepEqual([await imapOk("alice@example.com"), await imapOk("bob@example.com")], ["security_password_required", "ok"]);

      await security.settings.updateDomain("example.com", { securityPasswords: "listed", securityPasswordAccounts: ["alice@example.com"], securityPasswordGroups: ["sales@example.com"], securityPasswordExcept: [] }, admin);
      assert.deepEqual(
        [await imapOk("alice@example.com"), await imapOk("bob@example.com"), await imapOk("carol@example.com")],
        ["security_password_required", "ok", "security_password_required"],
      );
      const carol = { kind: "user" as const, userId: (await accounts.getUser("carol@example.com")).id, address: "carol@example.com" };
      await assert.rejects(security.settings.updateAccount("carol@example.com", { securityPasswordRequired: false }, carol), /cannot be turned off/);
      await security.settings.updateAccount("bob@example.com", { securityPasswordRequired: true }, { kind: "user", userId: 0, address: "bob@example.com" });
      assert.equal(await imapOk("bob@example.com"), "security_password_required", "a user may turn it on for themselves");
      const effective = await security.settings.effective("carol@example.com");
      assert.deepEqual(effective.securityPassword, { required: true, forcedByDomain: true });
    });

    it("a password change revokes them all, says how many, and ends the sessions they opened (not the others)", async (t) => {
      const store = await open(t);
      const { security, authenticate, accounts } = await securityCore(t, store);
      const a = await security.appPasswords.create("alice@example.com", "A", [], admin);
      await security.appPasswords.create("alice@example.com", "B", [], admin);
      const ended: string[] = [];
      const session = async (secret: string, label: string) => {
        const result = await authenticate("imap", "alice@example.com", secret, ctx());
        assert.ok(result.ok && result.track);
        const owner = { label };
        result.track(owner, (o) => ended.push(o.label));
        return owner;
      };
      const held = [await session(a.secret, "app A"), await session(PASSWORD, "main")];
      assert.deepEqual(await accounts.setPassword("alice@example.com", "a brand new passphrase", admin), { revokedAppPasswords: 2, revokedWebSessions: 0 });
      const [audited] = await security.audit.list({ limit: 1 });
      assert.deepEqual([audited?.action, audited?.target, audited?.before, audited?.after], ["user.password", "alice@example.com", { appPasswords: 2 }, { appPasswords: 0 }]);
      assert.ok(!JSON.stringify(audited).includes("brand new"), "never the password");
      assert.deepEqual(ended, ["app A"]);
      assert.equal(held.length, 2);
      assert.deepEqual(await security.appPasswords.list("alice@example.com"), []);
      assert.equal(await outcome(authenticate("imap", "alice@example.com", a.secret, ctx())), "invalid_credentials");
      assert.deepEqual(await accounts.setPassword("alice@example.com", "another new passphrase"), { revokedAppPasswords: 0, revokedWebSessions: 0 });
    });

    it("deleting one ends its live sessions at once, and the sweep ends those deleted by another process", async (t) => {
      const store = await open(t);
      const { security, authenticate, alice, deps } = await securityCore(t, store);
      const a = await security.appPasswords.create("alice@example.com", "A", [], admin);
      const b = await security.appPasswords.create("alice@example.com", "B", [], admin);
      const ended: string[] = [];
      const owners: object[] = [];
      for (const [secret, label] of [[a.secret, "A1"], [a.secret, "A2"], [b.secret, "B"]] as const) {
        const result = await authenticate("smtp", "alice@example.com", secret, ctx());
        assert.ok(result.ok && result.track);
        const owner = { label };
        owners.push(owner);
        result.track(owner, (o) => ended.push(o.label));
      }
      assert.deepEqual(await security.appPasswords.remove("alice@example.com", "A", admin), { sessionsEnded: 2 });
      assert.deepEqual(ended, ["A1", "A2"]);
      // As `moat apppass remove` does from its own process: the row goes, this registry is not told.
      await store.appPasswords.remove(alice.id, "B");
      assert.deepEqual(ended, ["A1", "A2"]);
      assert.equal(await security.appPasswords.sweepRevoked(), 1);
      assert.deepEqual(ended, ["A1", "A2", "B"]);
      assert.equal(deps.liveSessions.size, 0);
      assert.equal(owners.length, 3);
    });

    it("every change is in the audit log with who, what, before and after", async (t) => {
      const store = await open(t);
      const { security } = await securityCore(t, store);
      await security.appPasswords.create("alice@example.com", "Phone", ["imap"], admin);
      await security.appPasswords.remove("alice@example.com", "Phone", admin);
      await security.settings.updateAccount("alice@example.com", { securityPasswordRequired: true }, admin);
      const entries = (await security.audit.list({ limit: 10 })).reverse();
      assert.deepEqual(
        entries.map((e) => [e.actor, e.action, e.target, e.before, e.after]),
        [
          ["cli:tester", "apppass.add", "alice@example.com", null, { name: "Phone", protocols: ["imap"] }],
          ["cli:tester", "apppass.remove", "alice@example.com", { name: "Phone", protocols: ["imap"] }, null],
          ["cli:tester", "user.login_settings", "alice@example.com", { imap: true, pop3: true, smtp: true, channels: ["web", "api", "imap", "pop3", "smtp"], securityPasswordRequired: false, loginAlertMails: true }, { imap: true, pop3: true, smtp: true, channels: ["web", "api", "imap", "pop3", "smtp"], securityPasswordRequired: true, loginAlertMails: true }],
        ],
      );
      assert.ok(entries.every((e) => typeof e.at === "number" && e.at > 0));
    });
  });
});
