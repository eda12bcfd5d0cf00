// `moat 2fa` (issue 6 item 3, decision 0013) with the real command on a temporary data folder:
// TOTP enrolment and confirmation, status, the domain's requirement, an admin's reset (audited);
// what the command sets is what the server's authenticate() then applies. Bad input exits 2
// with one line and writes nothing.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { TOTP } from "otpauth";
import type { Moat } from "../../src/app.js";
import { expectBadInput, expectOk, jsonLines, runMoat, withDataCore } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const web = { ip: "203.0.113.50", secure: true, method: "web password" };

const ok = expectOk;
const badInput = expectBadInput;

const withServerCore = <T>(task: (app: Moat) => Promise<T>) => withDataCore(data, task);

const status = async (address: string) => jsonLines(ok(await moat("--json", "2fa", "status", address)).stdout)[0]!;

describe("moat 2fa", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    ok(await moat("init", "--domain", "example.com"));
    ok(await moat("user", "add", "alice@example.com", "--password", "alice-password-1"));
    ok(await moat("user", "add", "bob@example.com", "--password", "bob-password-12"));
  });

  it("totp enrol prints the otpauth URI last; confirm with a code turns two-factor login on and prints recovery codes once", async () => {
    assert.deepEqual([(await status("alice@example.com")).enabled, (await status("alice@example.com")).totp], [false, "off"]);
    const enrol = ok(await moat("2fa", "totp", "enrol", "alice@example.com"));
    const uri = enrol.stdout.trimEnd().split("\n").at(-1)!;
    assert.match(uri, /^otpauth:\/\/totp\/Moat:alice%40example\.com\?.*secret=[A-Z2-7]{32}&algorithm=SHA1&digits=6&period=30$/);
    assert.ok(fs.existsSync(path.join(data, "keys", "two-factor-sealing.key")), "the secret is sealed with the data folder's key");
    assert.equal((await status("alice@example.com")).totp, "pending");
    badInput(await moat("2fa", "totp", "confirm", "alice@example.com", "12345"), /code is not right/);

    const code = new TOTP({ secret: new URL(uri).searchParams.get("secret")!, algorithm: "SHA1", digits: 6, period: 30 }).generate();
    const confirmed = ok(await moat("2fa", "totp", "confirm", "alice@example.com", code));
    const codes = confirmed.stdout.trimEnd().split("\n").filter((l) => /^[a-z]{4}-[a-z]{4}-[a-z]{4}$/.test(l));
    assert.equal(codes.length, 10);
    const after = await status("alice@example.com");
    assert.deepEqual([after.enabled, after.totp, after.recoveryCodesLeft, after.methods], [true, "on", 10, ["totp", "recovery"]]);

    await withServerCore(async (app) => {
      const first = await app.authenticate("web", "alice@example.com", "alice-password-1", web);
      assert.ok(!first.ok && first.reason === "second_factor_required" && first.pending);
      const second = await app.authenticate("web", "alice@example.com", "", { ...web, secondFactor: { ticket: first.pending.ticket, proof: { kind: "recovery", code: codes[0]! } } });
      assert.ok(second.ok && second.secondFactor === "recovery");
      const imap = await app.authenticate("imap", "alice@example.com", "alice-password-1", { ...web, method: "IMAP LOGIN" });
      assert.ok(!imap.ok && imap.reason === "security_password_required");
    });
    assert.equal((await status("alice@example.com")).recoveryCodesLeft, 9);
  });

  it("require: listed accounts with a grace period, every account, off; bad values exit 2", async () => {
    const listed = jsonLines(ok(await moat("--json", "2fa", "require", "example.com", "on", "--accounts", "Bob@Example.com", "--grace-days", "3")).stdout)[0]!;
    assert.deepEqual(listed, { domain: "example.com", required: "listed", accounts: ["bob@example.com"], groups: [], graceDays: 3 });
    const bob = await status("bob@example.com");
    assert.equal(bob.required, true);
    assert.ok(Date.parse(String(bob.enrolBy)) - Date.now() > 2.9 * 86_400_000);
    ok(await moat("2fa", "require", "example.com", "on", "--accounts", "none"));
    assert.equal((await status("bob@example.com")).required, true, "no list: every account");
    assert.match(ok(await moat("2fa", "require", "example.com", "off")).stdout, /not required/);
    assert.equal((await status("bob@example.com")).required, false);
    badInput(await moat("2fa", "require", "example.com", "maybe"), /expected on or off/);
    badInput(await moat("2fa", "require", "example.com", "on", "--grace-days", "-1"), /grace-days/);
    badInput(await moat("2fa", "require", "example.com", "on", "--accounts", "not an address"), /not an address|invalid|address/);
    badInput(await moat("2fa", "require", "nowhere.example", "on"), /domain/);
    const audit = jsonLines(ok(await moat("--json", "audit", "list")).stdout);
    assert.ok(audit.some((e) => e.action === "domain.login_settings"));
  });

  it("reset removes every second factor and is audited; unknown accounts exit 2", async () => {
    const text = ok(await moat("2fa", "reset", "alice@example.com")).stdout;
    assert.match(text, /TOTP removed, 0 passkeys, 10 recovery codes, 0 remembered browsers/);
    assert.equal((await status("alice@example.com")).enabled, false);
    const [entry] = jsonLines(ok(await moat("--json", "audit", "list", "--limit", "1")).stdout);
    assert.equal(entry?.action, "2fa.reset");
    await withServerCore(async (app) => {
      assert.equal((await app.authenticate("web", "alice@example.com", "alice-password-1", web)).ok, true);
    });
    badInput(await moat("2fa", "status", "nobody@example.com"), /no such user|nobody/);
    badInput(await moat("2fa", "reset", "nobody@example.com"), /no such user|nobody/);
    badInput(await moat("2fa", "totp", "confirm", "alice@example.com", "123456"), /no authenticator app enrolment/);
  });
});
