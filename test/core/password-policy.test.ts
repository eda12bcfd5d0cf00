// The password policy (issue 6, item 5): every check of password-policy.ts, every keyword
// substitution, and the policy applied by accounts when a password is set (reuse of the last
// five included), on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { passwordProblems, type PasswordPolicy } from "../../src/core/auth/password-policy.js";
import { fold } from "../../src/core/auth/password-words.js";
import { isMoatError } from "../../src/shared/errors.js";
import { forEachDialect } from "../support/stores.js";
import { admin, ctx, PASSWORD, securityCore } from "./login-security-setup.js";

const lax: PasswordPolicy = { minLength: 8, classes: 0, minScore: 0, keywords: [] };
const subject = { address: "alice@example.com", displayName: "Alice Wonderland" };
const problems = (password: string, policy: Partial<PasswordPolicy> = {}) => passwordProblems(password, { ...lax, ...policy }, subject);
const STRONG = "Vq7#mZ2!rT9xLp4k";

describe("password policy checks", () => {
  it("folds every listed substitution to its letter", () => {
    const cases: Array<[string, string]> = [
      ["0", "o"],
      ["1", "i"],
      ["l", "i"],
      ["!", "i"],
      ["|", "i"],
      ["@", "a"],
      ["4", "a"],
      ["$", "s"],
      ["5", "s"],
      ["3", "e"],
      ["7", "t"],
      ["+", "t"],
      ["8", "b"],
      ["9", "g"],
    ];
    for (const [from, to] of cases) assert.equal(fold(from), fold(to), `${from} → ${to}`);
  });

  it("finds a forbidden word through each substitution, case-insensitively", () => {
    const keywords = ["password", "secret", "lily", "king", "tiger", "bob"];
    for (const disguised of ["P@ssword", "pa$$word", "pa55w0rd", "p4ssword", "s3cr3t", "secre7", "secre+", "1i1y", "LILY", "k1ng", "k!ng", "k|ng", "ti9er", "8o8"]) {
      const found = problems(`zz${disguised}zz-${STRONG}`, { keywords });
      assert.ok(found.some((p) => p.startsWith("it contains forbidden word")), `${disguised}: ${found.join("; ")}`);
    }
    assert.deepEqual(problems(`zz-${STRONG}`, { keywords }), []);
  });

  it("matches regular-expression keywords, case-insensitively", () => {
    assert.match(problems(`xyzACME2024qq${STRONG}`, { keywords: ["/acme\\d{4}/"] }).join(), /forbidden word: \/acme\\d\{4\}\//);
    assert.deepEqual(problems(`xyzACMEqq${STRONG}`, { keywords: ["/acme\\d{4}/"] }), []);
  });

  it("always forbids the company's domain and the user's own name", () => {
    assert.match(problems(`Ex4mple-${STRONG}`).join(), /contains "example"/);
    assert.match(problems(`a1ice-${STRONG}`).join(), /contains "alice"/);
    assert.match(problems(`W0nderland-${STRONG}`).join(), /contains "wonderland"/);
  });

  it("checks length, character classes, the common-password list and the strength floor, reporting every reason at once", () => {
    assert.deepEqual(problems("password1", { minLength: 12, classes: 3, minScore: 3 }), [
      "it must have at least 12 characters",
      "it must mix at least 3 of lower case, upper case, digits and symbols",
      "it is a commonly used password",
      problems("password1", { minScore: 3 }).find((p) => p.startsWith("it is too easy to guess"))!,
    ]);
    assert.deepEqual(problems(STRONG, { minLength: 12, classes: 4, minScore: 3 }), []);
    assert.match(problems("aaaaaaaaaaaaaaaa", { minScore: 3 }).join(), /too easy to guess \(strength [0-2] of 4/);
  });
});

forEachDialect((dialect, open) => {
  describe(`password policy when a password is set, on ${dialect}`, () => {
    it("is off until the domain turns it on; then every reason is reported in one refusal", async (t) => {
      const store = await open(t);
      const { accounts, security } = await securityCore(t, store);
      await accounts.addUser({ address: "weak@example.com", password: "weak-password-1" });
      await security.settings.updateDomain("example.com", { passwordPolicy: "on", passwordKeywords: ["acme"] }, admin);
      const refused = await accounts.addUser({ address: "bob@example.com", password: "B0b-acme-1" }).catch((err: unknown) => err);
      assert.ok(isMoatError(refused, "invalid_password"));
      assert.match(refused.message, /at least 12 characters; .*contains "bob".*forbidden word: acme/);
      assert.equal(await store.users.findByAddress("bob@example.com" as never), undefined, "nothing created");
      await accounts.addUser({ address: "bob@example.com", password: STRONG });
    });

    it("at login, a password that now holds a forbidden word is refused over the protocols and must be changed on the web", async (t) => {
      const store = await open(t);
      const { accounts, security, authenticate, reasons } = await securityCore(t, store);
      await accounts.setPassword("alice@example.com", "Falcon-Harbor-2031");
      const { secret } = await security.appPasswords.create("alice@example.com", "Phone", [], admin);
      await security.settings.updateDomain("example.com", { passwordKeywords: ["h4rbor"] }, admin);
      assert.equal((await authenticate("imap", "alice@example.com", "Falcon-Harbor-2031", ctx())).ok, true, "policy off: nothing changes");
      await security.settings.updateDomain("example.com", { passwordPolicy: "on" }, admin);
      const imap = await authenticate("imap", "alice@example.com", "Falcon-Harbor-2031", ctx());
      assert.ok(!imap.ok && imap.reason === "password_change_required" && /change it in webmail/.test(imap.publicMessage));
      const web = await authenticate("web", "alice@example.com", "Falcon-Harbor-2031", ctx());
      assert.ok(web.ok && web.mustChangePassword === "password_change_required");
      assert.equal((await authenticate("imap", "alice@example.com", secret, ctx())).ok, true, "a client security password is another credential");
      assert.deepEqual((await reasons()).slice(-3), ["password_change_required", "ok", "ok"]);
    });

    it("an admin's temporary password revokes client security passwords, is refused over the protocols, and must be changed on the web", async (t) => {
      const store = await open(t);
      const { accounts, security, authenticate, reasons } = await securityCore(t, store);
      const { secret } = await security.appPasswords.create("alice@example.com", "Phone", [], admin);
      const reset = await accounts.setPassword("alice@example.com", "Temporary-Lantern-77", admin, { temporary: true });
      assert.equal(reset.revokedAppPasswords, 1);
      assert.equal((await authenticate("imap", "alice@example.com", secret, ctx())).ok, false, "the client security password is gone");
      const imap = await authenticate("imap", "alice@example.com", "Temporary-Lantern-77", ctx());
      assert.ok(!imap.ok && imap.reason === "password_change_required");
      const pop3 = await authenticate("pop3", "alice@example.com", "Temporary-Lantern-77", ctx());
      assert.ok(!pop3.ok && pop3.reason === "password_change_required");
      const web = await authenticate("web", "alice@example.com", "Temporary-Lantern-77", ctx());
      assert.ok(web.ok && web.mustChangePassword === "password_change_required", "the web session may only change it");
      // The user's own new password ends the requirement.
      await accounts.setPassword("alice@example.com", "Copper-Meadow-2032");
      assert.equal((await authenticate("imap", "alice@example.com", "Copper-Meadow-2032", ctx())).ok, true);
      assert.deepEqual((await reasons()).slice(-3), ["password_change_required", "ok", "ok"]);
      const [entry] = await store.audit.list({ limit: 1 });
      assert.ok(entry && entry.action === "user.password" && JSON.stringify(entry.after).includes('"temporary":true'), "the admin's reset is in the audit log");
    });

    it("at login, a password past the maximum age is refused over the protocols with password_expired, unless exempt", async (t) => {
      const store = await open(t);
      const { accounts, security, authenticate, clock } = await securityCore(t, store);
      await accounts.addUser({ address: "scanner@example.com", password: "Ledger-Pw-8841x" });
      await security.settings.updateDomain("example.com", { passwordPolicy: "on", passwordMaxAgeDays: 90, passwordMaxAgeExempt: ["scanner@example.com"] }, admin);
      clock.advance(89 * 86_400_000);
      assert.equal((await authenticate("pop3", "alice@example.com", PASSWORD, ctx())).ok, true);
      clock.advance(86_400_000);
      const pop3 = await authenticate("pop3", "alice@example.com", PASSWORD, ctx());
      assert.ok(!pop3.ok && pop3.reason === "password_expired" && /expired/.test(pop3.publicMessage));
      const web = await authenticate("web", "alice@example.com", PASSWORD, ctx());
      assert.ok(web.ok && web.mustChangePassword === "password_expired");
      assert.equal((await authenticate("smtp", "scanner@example.com", "Ledger-Pw-8841x", ctx())).ok, true, "exempt");
      assert.equal((await authenticate("pop3", "alice@example.com", "a wrong password", ctx())).ok, false);
      await accounts.setPassword("alice@example.com", STRONG);
      const fresh = await authenticate("pop3", "alice@example.com", STRONG, ctx());
      assert.ok(fresh.ok && fresh.mustChangePassword === undefined);
    });

    it("refuses any of the last five passwords, and accepts the sixth back", async (t) => {
      const store = await open(t);
      const { accounts, security } = await securityCore(t, store);
      await security.settings.updateDomain("example.com", { passwordPolicy: "on", passwordMinScore: 0, passwordMinLength: 8 }, admin);
      const sequence = ["Kq8#first-pw", "Kq8#second-pw", "Kq8#third-pw", "Kq8#fourth-pw", "Kq8#fifth-pw", "Kq8#sixth-pw"];
      for (const password of sequence) await accounts.setPassword("alice@example.com", password);
      // Current: sixth; the four before: second to fifth. "first" is six back.
      for (const reused of sequence.slice(1)) {
        await assert.rejects(accounts.setPassword("alice@example.com", reused), /one of the last 5 passwords/, reused);
      }
      await accounts.setPassword("alice@example.com", sequence[0]!);
      assert.equal((await store.passwordHistory.recent((await accounts.getUser("alice@example.com")).id, 10)).length, 4, "only four previous hashes are kept");
    });
  });
});
