// The login-security forms of the real `moat` command (issue 6) on a temporary data folder:
// apppass add|list|remove, user set|security, passwd revoking client security passwords,
// domain set third-party-clients=…, ip block|unblock|allow|list, audit list. Bad input exits 2
// with one line and writes nothing. A secret made by the command logs in through the server's
// authenticate() in another process: both read the key file of the data folder.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { openMoat } from "../../src/app.js";
import { loadSettings } from "../../src/config/load.js";
import { createLogger } from "../../src/shared/logger.js";
import { jsonLines, runMoat, type CliRun } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const ctx = { ip: "203.0.113.50", secure: true, method: "IMAP LOGIN" };

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit 0 expected; stderr: ${run.stderr}`);
  return run;
}

function badInput(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit status 2 expected; stderr: ${run.stderr}`);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  assert.match(run.stderr, pattern);
}

async function withServerCore<T>(task: (app: Awaited<ReturnType<typeof openMoat>>) => Promise<T>): Promise<T> {
  const app = await openMoat(loadSettings({ dataDir: data, env: {} }), createLogger({ level: "silent", pretty: false }));
  try {
    return await task(app);
  } finally {
    await app.close();
  }
}

describe("moat login-security commands", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    ok(await moat("init", "--domain", "example.com"));
    ok(await moat("user", "add", "alice@example.com", "--password", "alice-password-1"));
  });

  it("apppass add prints the secret alone on its last line, and it logs in over IMAP in another process", async () => {
    const keyFile = path.join(data, "keys", "client-security-passwords.key");
    assert.equal(fs.existsSync(keyFile), false, "no key until a client security password needs one");
    const added = ok(await moat("apppass", "add", "alice@example.com", "--name", "Outlook on laptop", "--protocols", "imap,smtp"));
    assert.equal(fs.statSync(keyFile).mode & 0o077, 0, "the key is private to the Moat user");
    const secret = added.stdout.trimEnd().split("\n").at(-1)!;
    assert.match(secret, /^[a-z]{4}( [a-z]{4}){4}$/);
    await withServerCore(async (app) => {
      assert.equal((await app.authenticate("imap", "alice@example.com", secret, ctx)).ok, true);
      const pop3 = await app.authenticate("pop3", "alice@example.com", secret, ctx);
      assert.ok(!pop3.ok && pop3.reason === "app_password_wrong_protocol");
    });
    const [listed] = jsonLines(ok(await moat("--json", "apppass", "list", "alice@example.com")).stdout);
    assert.equal(listed?.name, "Outlook on laptop");
    assert.deepEqual(listed?.protocols, ["imap", "smtp"]);
    assert.equal(listed?.lastUsedProtocol, "imap");
    assert.equal(listed?.lastUsedIp, "203.0.113.50");
    assert.ok(!JSON.stringify(listed).includes(secret.replace(/ /g, "")), "never shown again");
    assert.match(ok(await moat("apppass", "list", "alice@example.com")).stdout, /^NAME\s+PROTOCOLS\s+CREATED\s+LAST USED\s+STATUS$/m);
    badInput(await moat("apppass", "add", "alice@example.com", "--name", "x", "--protocols", "imap,ftp"), /--protocols/);
    badInput(await moat("apppass", "remove", "alice@example.com", "nope"), /no client security password named/);
    const removed = jsonLines(ok(await moat("--json", "apppass", "remove", "alice@example.com", "Outlook on laptop")).stdout);
    assert.equal(removed[0]?.removed, "Outlook on laptop");
    assert.equal(ok(await moat("--json", "apppass", "list", "alice@example.com")).stdout, "");
  });

  it("user passwd says how many client security passwords it revoked", async () => {
    ok(await moat("apppass", "add", "alice@example.com", "--name", "A"));
    ok(await moat("apppass", "add", "alice@example.com", "--name", "B"));
    const changed = jsonLines(ok(await moat("--json", "user", "passwd", "alice@example.com", "--password", "alice-password-2")).stdout);
    assert.equal(changed[0]?.revokedAppPasswords, 2);
    assert.match(ok(await moat("user", "passwd", "alice@example.com", "--password", "alice-password-1")).stdout, /0 client security password\(s\) revoked/);
  });

  it("user passwd --temporary sets a password that only the web may use, to choose a new one", async () => {
    const reset = jsonLines(ok(await moat("--json", "user", "passwd", "alice@example.com", "--password", "alice-temporary-9", "--temporary")).stdout)[0];
    assert.equal(reset?.temporary, true);
    await withServerCore(async (app) => {
      const imap = await app.authenticate("imap", "alice@example.com", "alice-temporary-9", ctx);
      const web = await app.authenticate("web", "alice@example.com", "alice-temporary-9", ctx);
      assert.deepEqual([imap.ok || imap.reason, web.ok && web.mustChangePassword], ["password_change_required", "password_change_required"]);
    });
    assert.match(ok(await moat("user", "passwd", "alice@example.com", "--password", "alice-password-1")).stdout, /^password changed/);
  });

  it("user set switches protocols and the security-password requirement; user security shows the effective rules", async () => {
    const set = jsonLines(ok(await moat("--json", "user", "set", "alice@example.com", "--imap", "off", "--security-password-required", "on")).stdout)[0];
    assert.deepEqual((set?.effective as { protocols: unknown }).protocols, { imap: false, pop3: true, smtp: true });
    assert.deepEqual((set?.effective as { securityPassword: unknown }).securityPassword, { required: true, forcedByDomain: false });
    await withServerCore(async (app) => {
      const imap = await app.authenticate("imap", "alice@example.com", "alice-password-1", ctx);
      const pop3 = await app.authenticate("pop3", "alice@example.com", "alice-password-1", ctx);
      assert.deepEqual([imap.ok || imap.reason, pop3.ok || pop3.reason], ["protocol_disabled", "security_password_required"]);
    });
    assert.match(ok(await moat("user", "security", "alice@example.com")).stdout, /in effect[^]*imap=off pop3=on smtp=on[^]*security-password-required=on/);
    badInput(await moat("user", "set", "alice@example.com", "--pop3", "maybe"), /--pop3: expected on or off/);
    badInput(await moat("user", "set", "alice@example.com"), /nothing to change/);
    ok(await moat("user", "set", "alice@example.com", "--imap", "on", "--security-password-required", "off"));
  });

  it("user set --login-alert-mails switches the user's alert mails, audited; user security shows it", async () => {
    assert.match(ok(await moat("user", "security", "alice@example.com")).stdout, /^ {2}imap=.* login-alert-mails=on$/m, "on by default");
    const set = jsonLines(ok(await moat("--json", "user", "set", "alice@example.com", "--login-alert-mails", "off")).stdout)[0];
    assert.equal((set?.settings as { loginAlertMails: boolean }).loginAlertMails, false);
    const [latest] = jsonLines(ok(await moat("audit", "list", "--json", "--limit", "1")).stdout);
    assert.equal(latest?.action, "user.login_settings");
    assert.deepEqual([(latest?.before as { loginAlertMails: boolean }).loginAlertMails, (latest?.after as { loginAlertMails: boolean }).loginAlertMails], [true, false]);
    assert.match(ok(await moat("user", "security", "alice@example.com")).stdout, /^ {2}imap=.* login-alert-mails=off$/m);
    badInput(await moat("user", "set", "alice@example.com", "--login-alert-mails", "sometimes"), /--login-alert-mails: expected on or off/);
    ok(await moat("user", "set", "alice@example.com", "--login-alert-mails", "on"));
    assert.match(ok(await moat("user", "security", "alice@example.com")).stdout, /login-alert-mails=on/);
  });

  it("domain set third-party-clients=off refuses protocol logins for the domain, web still works", async () => {
    const shown = jsonLines(ok(await moat("--json", "domain", "set", "example.com", "third-party-clients=off", "third-party-exempt-ips=10.0.0.0/8")).stdout)[0];
    assert.equal((shown?.settings as Record<string, string>)["third-party-clients"], "off");
    assert.equal((shown?.settings as Record<string, string>)["third-party-exempt-ips"], "10.0.0.0/8");
    await withServerCore(async (app) => {
      const smtp = await app.authenticate("smtp", "alice@example.com", "alice-password-1", ctx);
      assert.ok(!smtp.ok && smtp.reason === "protocol_disabled");
      assert.equal((await app.authenticate("smtp", "alice@example.com", "alice-password-1", { ...ctx, ip: "10.1.2.3" })).ok, true);
      assert.equal((await app.authenticate("web", "alice@example.com", "alice-password-1", ctx)).ok, true);
    });
    badInput(await moat("domain", "set", "example.com", "third-party-clients=maybe"), /third-party-clients: expected on or off/);
    badInput(await moat("domain", "set", "example.com", "third-party-exempt-ips=10.0.0.0/33"), /not an IP address or CIDR/);
    ok(await moat("domain", "set", "example.com", "third-party-clients=on", "third-party-exempt-ips=none"));
  });

  it("ip block, allow, list and unblock, with the rules applied by the server", async () => {
    ok(await moat("ip", "block", "2001:db8:bad::/48", "--expires", "7d", "--note", "scanner"));
    ok(await moat("ip", "block", "::ffff:198.51.100.7", "--domain", "example.com"));
    ok(await moat("ip", "allow", "192.0.2.0/24", "--domain", "example.com", "--user", "alice@example.com", "--channel", "imap"));
    const rules = jsonLines(ok(await moat("--json", "ip", "list")).stdout);
    assert.deepEqual(
      rules.map((r) => [r.action, r.cidr, r.domain, r.user, r.channel, r.note]),
      [
        ["block", "2001:db8:bad::/48", null, null, null, "scanner"],
        ["block", "198.51.100.7/32", "example.com", null, null, ""],
        ["allow", "192.0.2.0/24", "example.com", "alice@example.com", "imap", ""],
      ],
    );
    assert.ok(typeof rules[0]?.expiresAt === "string");
    await withServerCore(async (app) => {
      const reason = async (channel: "imap" | "web", ip: string) => {
        const r = await app.authenticate(channel, "alice@example.com", "alice-password-1", { ...ctx, ip });
        return r.ok ? "ok" : r.reason;
      };
      assert.deepEqual(
        [await reason("web", "2001:db8:bad:1::1"), await reason("web", "198.51.100.7"), await reason("imap", "203.0.113.9"), await reason("imap", "192.0.2.9"), await reason("web", "203.0.113.9")],
        ["ip_blocked", "ip_blocked", "ip_not_allowed", "ok", "ok"],
      );
    });
    badInput(await moat("ip", "block", "300.1.2.3"), /not an IP address or CIDR/);
    badInput(await moat("ip", "block", "10.0.0.1", "--expires", "soon"), /not a duration/);
    badInput(await moat("ip", "allow", "10.0.0.0/8"), /--domain/);
    ok(await moat("ip", "unblock", "2001:db8:bad::/48"));
    ok(await moat("ip", "disallow", "192.0.2.0/24", "--domain", "example.com", "--user", "alice@example.com", "--channel", "imap"));
    badInput(await moat("ip", "unblock", "2001:db8:bad::/48"), /no block for/);
    assert.match(ok(await moat("ip", "list")).stdout, /^ACTION\s+CIDR\s+SCOPE\s+CHANNEL\s+EXPIRES\s+ORIGIN\s+NOTE\nblock\s+198\.51\.100\.7\/32\s+example\.com/m);
  });

  it("password-policy set and keywords add are enforced by user add and passwd, every reason on one line", async () => {
    ok(await moat("domain", "add", "policy.example"));
    const shown = jsonLines(ok(await moat("--json", "password-policy", "set", "policy.example", "enforce=on", "min-length=14", "classes=2")).stdout)[0];
    assert.deepEqual([shown?.enforce, shown?.minLength, shown?.classes, shown?.minScore], ["on", 14, 2, 3]);
    ok(await moat("password-policy", "keywords", "add", "policy.example", "moat", "/q[0-9]{2}/"));
    assert.deepEqual(jsonLines(ok(await moat("--json", "password-policy", "keywords", "list", "policy.example")).stdout), [{ keyword: "moat" }, { keyword: "/q[0-9]{2}/" }]);
    badInput(await moat("user", "add", "dan@policy.example", "--password", "m0at-dan-q42"), /at least 14 characters; .*contains "dan".*forbidden words: moat, \/q\[0-9\]\{2\}\//);
    ok(await moat("user", "add", "dan@policy.example", "--password", "Vq7#mZ2!rT9xLp4k"));
    badInput(await moat("user", "passwd", "dan@policy.example", "--password", "Vq7#mZ2!rT9xLp4k"), /one of the last 5 passwords/);
    badInput(await moat("password-policy", "set", "policy.example", "min-length=3"), /min-length: expected a whole number from 8/);
    badInput(await moat("password-policy", "keywords", "add", "policy.example", "/([/"), /not a valid regular expression/);
    const aged = jsonLines(ok(await moat("--json", "password-policy", "set", "policy.example", "max-age-days=90", "max-age-exempt=Dan@Policy.example")).stdout)[0];
    assert.deepEqual([aged?.maxAgeDays, aged?.maxAgeExempt], [90, ["dan@policy.example"]]);
    ok(await moat("password-policy", "set", "policy.example", "enforce=off"));
  });

  it("audit list shows who changed what, before and after, newest first", async () => {
    ok(await moat("user", "set", "alice@example.com", "--smtp", "off"));
    const [latest] = jsonLines(ok(await moat("audit", "list", "--json", "--limit", "1")).stdout);
    assert.equal(latest?.actor, `cli:${os.userInfo().username}`);
    assert.equal(latest?.action, "user.login_settings");
    assert.equal(latest?.target, "alice@example.com");
    assert.equal((latest?.before as { smtp: boolean }).smtp, true);
    assert.equal((latest?.after as { smtp: boolean }).smtp, false);
    const all = jsonLines(ok(await moat("--json", "audit", "list", "--limit", "100")).stdout).map((e) => e.action);
    for (const action of ["apppass.add", "apppass.remove", "user.password", "domain.login_settings", "ip.block", "ip.allow", "ip.unblock", "ip.disallow"]) assert.ok(all.includes(action), action);
    assert.match(ok(await moat("audit", "list")).stdout, /^TIME\s+ACTOR\s+ACTION\s+TARGET\s+BEFORE\s+AFTER$/m);
  });
});
