// `moat session list|revoke` on a temporary data folder: sessions made by web logins in the
// server's core (another process, the same database) are listed with browser and address,
// revoked one at a time or all at once (audit-logged), and `moat user passwd --temporary`
// ends them too. Bad input exits 2 with one line and changes nothing.
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expectBadInput as badInput, expectOk as ok, jsonLines, runMoat, withDataCore } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/** Logs alice in on the web `count` times through the server's core; returns the session tokens. */
function webLogins(count: number): Promise<string[]> {
  return withDataCore(data, async (app) => {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const ip = `203.0.113.${i + 1}`;
      const result = await app.authenticate("web", "alice@example.com", "alice-password-1", { ip, secure: true, method: "WEB PASSWORD" });
      assert.ok(result.ok);
      tokens.push((await app.webSessions.start(result, { ip, userAgent: firefox })).token);
    }
    return tokens;
  });
}

/** Which of these tokens still open a session. */
function liveSessions(tokens: string[]): Promise<boolean[]> {
  return withDataCore(data, (app) => Promise.all(tokens.map(async (t) => (await app.webSessions.resolve(t, "203.0.113.1")) !== undefined)));
}

describe("moat session", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    ok(await moat("init", "--domain", "example.com"));
    ok(await moat("user", "add", "alice@example.com", "--password", "alice-password-1"));
  });

  it("lists a user's web sessions, revokes one by ID and then all, each in the audit log", async () => {
    const tokens = await webLogins(3);
    const listed = jsonLines(ok(await moat("--json", "session", "list", "alice@example.com")).stdout);
    assert.deepEqual(
      listed.map((s) => [s.browser, s.ip]),
      [
        ["Firefox on Linux", "203.0.113.3"],
        ["Firefox on Linux", "203.0.113.2"],
        ["Firefox on Linux", "203.0.113.1"],
      ],
    );
    assert.match(ok(await moat("session", "list", "alice@example.com")).stdout, /^ID\s+BROWSER\s+IP\s+CREATED\s+LAST SEEN\s+STATE$/m);
    const newest = String(listed[0]?.id);
    assert.match(ok(await moat("session", "revoke", "alice@example.com", newest)).stdout, /1 web session\(s\) of alice@example.com revoked/);
    assert.deepEqual(await liveSessions(tokens), [true, true, false]);
    badInput(await moat("session", "revoke", "alice@example.com", newest), /has no session/);
    badInput(await moat("session", "revoke", "alice@example.com"), /give a session ID/);
    badInput(await moat("session", "revoke", "alice@example.com", "1", "--all"), /not both/);
    badInput(await moat("session", "revoke", "alice@example.com", "x1"), /not a session ID/);
    const all = jsonLines(ok(await moat("--json", "session", "revoke", "alice@example.com", "--all")).stdout);
    assert.deepEqual(all, [{ address: "alice@example.com", revoked: 2 }]);
    assert.deepEqual(await liveSessions(tokens), [false, false, false]);
    assert.equal(ok(await moat("--json", "session", "list", "alice@example.com")).stdout, "");
    const audit = jsonLines(ok(await moat("--json", "audit", "list")).stdout).filter((e) => e.action === "session.revoke");
    assert.equal(audit.length, 2);
  });

  it("an admin's temporary password ends the user's web sessions and says how many", async () => {
    const tokens = await webLogins(2);
    const reset = jsonLines(ok(await moat("--json", "user", "passwd", "alice@example.com", "--temporary", "--password", "temporary-pass-1")).stdout);
    assert.equal(reset[0]?.revokedWebSessions, 2);
    assert.deepEqual(await liveSessions(tokens), [false, false]);
    assert.match(ok(await moat("user", "passwd", "alice@example.com", "--password", "alice-password-1")).stdout, /0 web session\(s\) ended/);
  });
});
