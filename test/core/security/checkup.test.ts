// The security checkup (issue 8 item 5, decision 0025) on SQLite and PostgreSQL: a domain with
// the gaps the guide's self-inspection names gets each as a finding with a stable id and a
// score by the documented formula; an account's checkup has only its own; each fix, run by id
// through the services, makes its finding disappear and is audited; a stale id is refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPasswordHasher } from "../../../src/core/auth/passwords.js";
import { FlowSettingsService } from "../../../src/core/flow/flow-settings-service.js";
import { Forwarding } from "../../../src/core/flow/user-rules/forwarding.js";
import { SieveScripts } from "../../../src/core/flow/user-rules/sieve-scripts.js";
import { SecurityCheckup } from "../../../src/core/security/checkup/index.js";
import { checkupScore } from "../../../src/core/security/checkup/findings.js";
import { forEachDialect } from "../../support/stores.js";
import { admin, ctx, outcome, PASSWORD, securityCore } from "../login-security-setup.js";

const day = 86_400_000;

async function domainWithGaps(t: Parameters<typeof securityCore>[0], store: Parameters<typeof securityCore>[1]) {
  const core = await securityCore(t, store, { passwords: createPasswordHasher(4) });
  const { clock, accounts, security, authenticate, alice } = core;
  await accounts.addUser({ address: "bob@example.com", password: PASSWORD });
  await accounts.addUser({ address: "carol@example.com", password: PASSWORD });
  await security.appPasswords.create("bob@example.com", "old phone", [], admin);
  const flowSettings = new FlowSettingsService(store, accounts, security.audit, clock);
  const sieve = new SieveScripts(store, accounts, security.audit, clock);
  const forwarding = new Forwarding(store, accounts, flowSettings, clock);
  await forwarding.setForward("bob@example.com", { forwardTo: ["home@elsewhere.example"] }, admin);
  await sieve.put("carol@example.com", "out", 'redirect "carol@elsewhere.example";\n', admin, { activate: true });
  await security.twoFactor.setRequirement("example.com", { required: "listed", accounts: ["carol@example.com"] }, admin);
  await security.settings.updateAccount("carol@example.com", { securityPasswordRequired: true, pop3: false, smtp: false }, admin);
  clock.advance(20 * day);
  assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("8.8.8.8"))), "ok");
  clock.advance(80 * day);
  await security.settings.updateDomain("example.com", { passwordMaxAgeDays: 60 }, admin);
  const checkup = new SecurityCheckup({ store, clock, accounts, loginSettings: security.settings, twoFactor: security.twoFactor, appPasswords: security.appPasswords, flowSettings, forwarding, sieve });
  return { ...core, checkup };
}

forEachDialect((dialect, open) => {
  describe(`security checkup on ${dialect}`, () => {
    it("finds each gap of a domain with its fix and scores it by the documented weights", async (t) => {
      const { checkup } = await domainWithGaps(t, await open(t));
      const report = await checkup.run("example.com");
      const ids = report.findings.map((f) => `${f.severity} ${f.id}`);
      for (const expected of [
        "high no-2fa:alice@example.com",
        "high password-age:alice@example.com",
        "high forward-outside:bob@example.com",
        "high sieve-forward-outside:carol@example.com",
        "medium unused-protocol:alice@example.com:pop3",
        "medium unused-protocol:bob@example.com:imap",
        "medium unused-protocol:carol@example.com:imap",
        "medium main-password-protocols:alice@example.com",
        "medium no-password-policy:example.com",
        "medium external-warning-off:example.com",
        "low stale-app-password:bob@example.com:old phone",
      ]) assert.ok(ids.includes(expected), `${expected} in ${ids.join(", ")}`);
      assert.ok(!ids.includes("medium unused-protocol:alice@example.com:imap"), "IMAP was used 80 days ago");
      assert.ok(!ids.includes("high no-2fa:carol@example.com"), "the domain requires it of carol");
      assert.ok(!ids.includes("medium main-password-protocols:carol@example.com"));
      assert.ok(!ids.some((id) => id.includes("carol@example.com:pop3")), "carol's POP3 is off");
      assert.equal(report.accounts, 3);
      const high = report.findings.filter((f) => f.severity === "high").length;
      const medium = report.findings.filter((f) => f.severity === "medium").length;
      const low = report.findings.filter((f) => f.severity === "low").length;
      assert.equal(report.score, Math.max(0, 100 - 10 * high - 4 * medium - low));
      assert.equal(checkupScore([]), 100);
      assert.equal(report.findings.find((f) => f.id === "forward-outside:bob@example.com")?.fix, "moat user set bob@example.com --forward none");
      assert.equal(report.findings.find((f) => f.id === "no-2fa:alice@example.com")?.fix, "moat checkup alice@example.com --fix no-2fa:alice@example.com");

      const own = await checkup.run("bob@example.com");
      assert.ok(own.findings.length > 0 && own.findings.every((f) => f.subject === "bob@example.com"), "an account's checkup has only its own findings");
      assert.ok(own.score > report.score);
    });

    it("each fix closes its finding, audited; a fixed or unknown id is refused", async (t) => {
      const store = await open(t);
      const { checkup, authenticate, alice, security } = await domainWithGaps(t, store);
      const fixes = [
        "no-2fa:alice@example.com",
        "unused-protocol:alice@example.com:pop3",
        "main-password-protocols:alice@example.com",
        "forward-outside:bob@example.com",
        "sieve-forward-outside:carol@example.com",
        "stale-app-password:bob@example.com:old phone",
        "no-password-policy:example.com",
        "external-warning-off:example.com",
        "password-age:alice@example.com",
      ];
      const auditBefore = (await store.audit.list({ limit: 1000 })).length;
      let temporary = "";
      for (const id of fixes) {
        const done = await checkup.fix(id, admin);
        if (done.temporaryPassword) temporary = done.temporaryPassword;
        assert.ok(!(await checkup.run("example.com")).findings.some((f) => f.id === id), `${id} fixed`);
      }
      assert.ok((await store.audit.list({ limit: 1000 })).length >= auditBefore + fixes.length, "every fix is audited");
      const rules = await security.settings.effective(alice.address);
      assert.equal(rules.protocols.pop3, false);
      assert.equal(rules.securityPassword.required, true);
      assert.equal(await outcome(authenticate("imap", alice.address, PASSWORD, ctx("8.8.8.8"))), "invalid_credentials", "the old password is replaced");
      assert.ok(temporary.length >= 20 && (await store.users.findById(alice.id))?.mustChangePassword === true);
      await assert.rejects(checkup.fix("no-2fa:alice@example.com", admin), /no finding no-2fa:alice@example\.com/);
      await assert.rejects(checkup.fix("nonsense", admin), /not a checkup finding id/);
      await assert.rejects(checkup.run("nobody@example.com"), /nobody@example\.com/);
    });
  });
});
