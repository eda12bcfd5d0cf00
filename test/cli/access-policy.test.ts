// The real `moat access-policy` and `moat geoip lookup` commands on a temporary data folder
// (decision 0015): add, set, list (text and --json), disable, enable, remove, each in the audit
// log; the policy decides the logins of the server's authenticate() in another process; a
// policy that would lock out the admins is refused with their names; bad input exits 2 with one
// line and writes nothing.
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expectBadInput, expectOk, jsonLines, runMoat, withDataCore } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const PASSWORD = "a long enough password 1";

const ok = expectOk;
const badInput = expectBadInput;

/** A login through the server's core on the same data folder, as `moat start` opens it. */
const login = (channel: "web" | "imap" | "smtp", address: string, ip: string): Promise<string> =>
  withDataCore(data, async (app) => {
    const result = await app.authenticate(channel, address, PASSWORD, { ip, secure: true, method: "TEST" });
    return result.ok ? "ok" : result.reason;
  });

describe("moat access-policy", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    ok(await moat("init", "--domain", "example.com"));
    ok(await moat("user", "add", "alice@example.com", "--password", PASSWORD));
    ok(await moat("user", "add", "bob@example.com", "--password", PASSWORD));
    ok(await moat("group", "add", "sales@example.com"));
    ok(await moat("group", "members", "add", "sales@example.com", "bob@example.com"));
  });

  it("adds, lists, changes, disables, enables and removes a policy, and the server's logins follow it", async () => {
    const added = ok(await moat("access-policy", "add", "example.com", "imap office", "--mode", "allow", "--ips", "192.0.2.0/24, 2001:DB8::/32", "--channels", "imap"));
    assert.equal(added.stdout, "added access policy imap office to example.com\n");
    assert.equal(await login("imap", "alice@example.com", "198.51.100.1"), "access_policy_denied");
    assert.equal(await login("imap", "alice@example.com", "::ffff:192.0.2.7"), "ok");
    assert.equal(await login("web", "alice@example.com", "198.51.100.1"), "ok");

    const text = ok(await moat("access-policy", "list")).stdout.split("\n");
    assert.match(text[0]!, /^DOMAIN\s+NAME\s+STATE\s+MODE\s+WHO\s+WHERE\s+CHANNELS\s+CHANGED$/);
    assert.match(text[1]!, /^example\.com\s+imap office\s+on\s+allow\s+everyone\s+192\.0\.2\.0\/24,2001:db8::\/32\s+imap\s+\S+ \S+ cli:/);

    ok(await moat("access-policy", "set", "example.com", "imap office", "--users", "alice@example.com", "--groups", "sales@example.com", "--countries", "nl"));
    const [listed] = jsonLines(ok(await moat("--json", "access-policy", "list", "example.com")).stdout);
    assert.deepEqual(
      { ...listed, updatedAt: undefined, updatedBy: undefined },
      { domain: "example.com", name: "imap office", enabled: true, mode: "allow", appliesTo: "listed", users: ["alice@example.com"], groups: ["sales@example.com"], except: [], ips: ["192.0.2.0/24", "2001:db8::/32"], countries: ["NL"], channels: ["imap"], updatedAt: undefined, updatedBy: undefined },
    );
    assert.equal(await login("imap", "bob@example.com", "8.8.8.8"), "access_policy_denied", "a member of the listed group");
    assert.equal(await login("imap", "bob@example.com", "193.0.0.1"), "ok", "from NL");

    assert.match(ok(await moat("access-policy", "disable", "example.com", "imap office")).stdout, /disabled access policy imap office/);
    assert.equal(jsonLines(ok(await moat("access-policy", "list", "--json")).stdout)[0]?.enabled, false);
    assert.equal(await login("imap", "bob@example.com", "8.8.8.8"), "ok");
    ok(await moat("access-policy", "enable", "example.com", "imap office"));
    assert.equal(await login("imap", "bob@example.com", "8.8.8.8"), "access_policy_denied");
    ok(await moat("access-policy", "remove", "example.com", "imap office"));
    assert.equal(ok(await moat("access-policy", "list")).stdout.split("\n").filter((l) => l !== "").length, 1, "the header alone");
    assert.equal(await login("imap", "bob@example.com", "8.8.8.8"), "ok");

    const audit = jsonLines(ok(await moat("--json", "audit", "list")).stdout).filter((e) => String(e.action).startsWith("access_policy."));
    assert.deepEqual(audit.map((e) => e.action).reverse(), ["access_policy.add", "access_policy.update", "access_policy.disable", "access_policy.enable", "access_policy.remove"]);
    assert.ok(audit.every((e) => e.target === "example.com/imap office"));
  });

  it("refuses a policy that would lock out every admin, naming them, and saves nothing", async () => {
    ok(await moat("user", "add", "boss@example.com", "--password", PASSWORD, "--role", "admin"));
    assert.equal(await login("web", "boss@example.com", "8.8.8.8"), "ok");
    const refused = await moat("access-policy", "add", "example.com", "NL only", "--mode", "allow", "--countries", "NL");
    badInput(refused, /moat: access policy "NL only" refused: it would lock out every administrator of example\.com .*boss@example\.com \(web from 8\.8\.8\.8 by "NL only"\)/);
    assert.equal(jsonLines(ok(await moat("--json", "access-policy", "list")).stdout).length, 0);
    ok(await moat("access-policy", "add", "example.com", "NL only", "--mode", "allow", "--countries", "NL", "--except", "boss@example.com"));
    assert.equal(await login("web", "alice@example.com", "8.8.8.8"), "access_policy_denied");
    assert.equal(await login("web", "boss@example.com", "8.8.8.8"), "ok");
    ok(await moat("access-policy", "remove", "example.com", "NL only"));
  });

  it("refuses bad input with one line, exit 2, nothing written", async () => {
    badInput(await moat("access-policy", "add", "example.com", "p", "--mode", "allow", "--countries", "UK"), /not an ISO 3166-1 country code.*GB/);
    badInput(await moat("access-policy", "add", "example.com", "p", "--mode", "allow", "--ips", "10.0.0.0/33"), /not an IP address or CIDR range/);
    badInput(await moat("access-policy", "add", "example.com", "p", "--mode", "deny", "--channels", "ftp"), /not a channel/);
    badInput(await moat("access-policy", "add", "example.com", "p", "--mode", "deny", "--channels", "imap", "--users", "nobody@example.com"), /nobody@example\.com|no such user/);
    badInput(await moat("access-policy", "add", "example.com", "p", "--ips", "10.0.0.0/8"), /--mode/);
    badInput(await moat("access-policy", "add", "example.com", "p", "--mode", "maybe", "--ips", "10.0.0.0/8"), /maybe/);
    badInput(await moat("access-policy", "remove", "example.com", "nope"), /no access policy "nope" in example\.com/);
    badInput(await moat("access-policy", "set", "example.com", "nope"), /nothing to change/);
    assert.equal(jsonLines(ok(await moat("--json", "access-policy", "list")).stdout).length, 0);
  });

  it("geoip lookup says where the offline database places an address", async () => {
    assert.equal(ok(await moat("geoip", "lookup", "81.2.69.160")).stdout, "81.2.69.160: GB, England, Bracknell (51.40, -0.76)\n");
    const [mapped] = jsonLines(ok(await moat("--json", "geoip", "lookup", "::ffff:8.8.8.8")).stdout);
    assert.deepEqual([mapped?.kind, mapped?.country], ["public", "US"]);
    assert.match(String(mapped?.databaseBuilt), /^\d{4}-\d\d-\d\dT/);
    assert.equal(ok(await moat("geoip", "lookup", "10.1.2.3")).stdout, "10.1.2.3: private\n");
    assert.equal(ok(await moat("geoip", "lookup", "::1")).stdout, "::1: loopback\n");
  });
});
