// The real `moat` command on a temporary data folder: good input, and each bad input
// answered with one line, exit status 2, and nothing written.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { openMoat } from "../../src/app.js";
import { loadSettings } from "../../src/config/load.js";
import { createLogger } from "../../src/shared/logger.js";
import { jsonLines, runMoat, type CliRun } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const moatIn = (input: string, ...args: string[]) => runMoat(["--data", data, ...args], { input });

function badInput(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit status 2 expected; stderr: ${run.stderr}`);
  assert.equal(run.stdout, "");
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got: ${run.stderr}`);
  assert.match(lines[0]!, pattern);
}

/** Everything an admin can list, to prove a refused command wrote nothing. */
async function snapshot(): Promise<string> {
  const parts = await Promise.all([moat("--json", "domain", "list"), moat("--json", "user", "list"), moat("--json", "alias", "list"), moat("--json", "group", "list")]);
  return parts.map((p) => p.stdout).join("|");
}

describe("moat command", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    const init = await moat("--json", "init", "--domain", "example.com");
    assert.equal(init.code, 0, init.stderr);
    const [result] = jsonLines(init.stdout);
    assert.equal(result?.admin, "admin@example.com");
    assert.match(String(result?.password), /^[A-Za-z0-9]{20}$/);
    assert.ok(fs.existsSync(path.join(data, "moat.toml")));
    assert.ok(fs.existsSync(path.join(data, "moat.db")));
    assert.ok(fs.existsSync(path.join(data, "tls", "cert.pem")));
    assert.equal(fs.statSync(path.join(data, "tls", "key.pem")).mode & 0o077, 0, "the TLS key is private");
  });

  it("init prints the admin's password once in text form too, and refuses a second init", async (t) => {
    const other = path.join(tempDir(t), "d");
    const first = await runMoat(["--data", other, "init", "--admin", "root@corp.example"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /first admin: root@corp\.example\npassword: [A-Za-z0-9]{20}\n/);
    badInput(await runMoat(["--data", other, "init"]), /already initialised/);
  });

  it("refuses to work on a folder that was never initialised, creating nothing", async (t) => {
    const missing = path.join(tempDir(t), "nowhere");
    badInput(await runMoat(["--data", missing, "domain", "list"]), /not a Moat data folder/);
    assert.equal(fs.existsSync(missing), false);
  });

  it("adds, lists and removes domains, storing IDN names in punycode", async () => {
    const added = await moat("--json", "domain", "add", "Bücher.Example");
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(jsonLines(added.stdout)[0]?.name, "xn--bcher-kva.example");
    const list = await moat("domain", "list");
    assert.match(list.stdout, /^DOMAIN\s+ASCII\s+CREATED$/m);
    assert.match(list.stdout, /^bücher\.example\s+xn--bcher-kva\.example\s/m);
    assert.equal((await moat("domain", "remove", "xn--bcher-kva.example")).code, 0);
    assert.doesNotMatch((await moat("domain", "list")).stdout, /bcher/);
  });

  it("manages users: add with --password and --password-stdin, passwd, suspend, resume, remove", async () => {
    const add = await moat("--json", "user", "add", "Carol@Example.com", "--password", "carol-password-1", "--name", "Carol C", "--quota", "2G");
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(jsonLines(add.stdout)[0], {
      address: "carol@example.com",
      display: "carol@example.com",
      name: "Carol C",
      role: "user",
      status: "active",
      quotaBytes: 2 * 1024 ** 3,
      createdAt: jsonLines(add.stdout)[0]?.createdAt,
    });
    assert.equal((await moatIn("dave-password-1\n", "user", "add", "dave@example.com", "--password-stdin")).code, 0);
    assert.equal((await moatIn("dave-password-2\n", "user", "passwd", "dave@example.com", "--password-stdin")).code, 0);
    assert.match((await moat("user", "suspend", "dave@example.com")).stdout, /dave@example\.com is suspended/);
    let users = jsonLines((await moat("--json", "user", "list", "example.com")).stdout);
    assert.equal(users.find((u) => u.address === "dave@example.com")?.status, "suspended");
    assert.equal((await moat("user", "resume", "dave@example.com")).code, 0);
    assert.equal((await moat("user", "remove", "dave@example.com")).code, 0);
    users = jsonLines((await moat("--json", "user", "list")).stdout);
    assert.deepEqual(users.map((u) => u.address), ["admin@example.com", "carol@example.com"]);
    assert.match((await moat("user", "list")).stdout, /^carol@example\.com\s+Carol C\s+user\s+active\s+2 GiB\s/m);
  });

  it("manages aliases and groups with user and outside members", async () => {
    await moat("user", "add", "erin@example.com", "--password", "erin-password-1");
    assert.equal((await moat("alias", "add", "sales@example.com", "erin@example.com")).code, 0);
    assert.match((await moat("alias", "list")).stdout, /^sales@example\.com\s+erin@example\.com$/m);
    assert.equal((await moat("group", "add", "team@example.com", "--name", "Team")).code, 0);
    const members = await moat("group", "members", "add", "team@example.com", "erin@example.com", "Partner@Outside.org");
    assert.equal(members.code, 0, members.stderr);
    assert.deepEqual(jsonLines((await moat("--json", "group", "members", "list", "team@example.com")).stdout), [
      { address: "erin@example.com", kind: "user" },
      { address: "partner@outside.org", kind: "external" },
    ]);
    assert.equal((await moat("group", "members", "remove", "team@example.com", "partner@outside.org")).code, 0);
    assert.equal(jsonLines((await moat("--json", "group", "members", "list", "team@example.com")).stdout).length, 1);
    assert.equal((await moat("alias", "remove", "sales@example.com")).code, 0);
    assert.equal((await moat("group", "remove", "team@example.com")).code, 0);
    assert.equal(jsonLines((await moat("--json", "group", "list")).stdout).length, 0);
  });

  it("answers every bad input with one line and exit status 2, and writes nothing", async () => {
    await moat("group", "add", "crew@example.com");
    await moat("user", "add", "frank@example.com", "--password", "frank-password-1");
    const before = await snapshot();
    const cases: Array<[string[], RegExp, string?]> = [
      [["domain", "add", "not a domain"], /not a domain name/],
      [["domain", "add", "example.com"], /already exists/],
      [["domain", "remove", "example.com"], /still has \d+ users, aliases or groups/],
      [["domain", "remove", "nowhere.example"], /no domain nowhere\.example/],
      [["user", "add", "x@unknown.example", "--password", "long-enough-1"], /not hosted here/],
      [["user", "add", "not-an-address", "--password", "long-enough-1"], /not an address/],
      [["user", "add", "frank@example.com", "--password", "long-enough-1"], /already a user/],
      [["user", "add", "crew@example.com", "--password", "long-enough-1"], /already a group/],
      [["user", "add", "gina@example.com"], /a password is required/],
      [["user", "add", "gina@example.com", "--password", "short"], /at least 8 characters/],
      [["user", "add", "gina@example.com", "--password", "long-enough-1", "--quota", "lots"], /not a size/],
      [["user", "add", "gina@example.com", "--password", "long-enough-1", "--role", "king"], /king.*invalid|invalid.*king|Allowed choices/i],
      [["user", "add", "gina@example.com", "--password-stdin"], /no password on standard input/, ""],
      [["user", "add"], /missing required argument/],
      [["user", "passwd", "nobody@example.com", "--password", "long-enough-1"], /no user nobody@example\.com/],
      [["user", "suspend", "nobody@example.com"], /no user/],
      [["alias", "add", "frank@example.com", "x@example.com"], /already a user/],
      [["alias", "add", "a@nowhere.example", "frank@example.com"], /not hosted here/],
      [["group", "members", "add", "crew@example.com", "frank@example.com", "ghost@example.com"], /ghost@example\.com .* not a user/],
      [["group", "members", "add", "nogroup@example.com", "frank@example.com"], /no group/],
      [["group", "members", "remove", "crew@example.com", "frank@example.com"], /not a member/],
      [["logins", "--limit", "zero"], /--limit must be a whole number/],
      [["frobnicate"], /unknown command/],
      [["user", "add", "gina@example.com", "--password", "long-enough-1", "--bogus"], /unknown option/],
    ];
    for (const [args, pattern, input] of cases) {
      badInput(input === undefined ? await moat(...args) : await moatIn(input, ...args), pattern);
    }
    assert.equal(await snapshot(), before, "no refused command changed anything");
    assert.equal(jsonLines((await moat("--json", "group", "members", "list", "crew@example.com")).stdout).length, 0, "no partial member add");
  });

  it("prints login records newest first, for one address, as a table or JSON lines", async () => {
    await moat("user", "add", "hank@example.com", "--password", "hank-password-1");
    const app = await openMoat(loadSettings({ dataDir: data, env: {} }), createLogger({ level: "silent", pretty: false }));
    try {
      const ctx = { ip: "203.0.113.50", secure: true, method: "IMAP LOGIN", clientId: "Thunderbird" };
      assert.equal((await app.authenticate("imap", "hank@example.com", "hank-password-1", ctx)).ok, true);
      // A wrong password (the delay it earns is real here; 2 s by default) and an unknown name.
      assert.equal((await app.authenticate("pop3", "Hank@Example.com", "wrong-password", { ...ctx, ip: "2001:db8::7", method: "POP3 USER/PASS" })).ok, false);
      assert.equal((await app.authenticate("smtp", "ghost@example.com", "whatever-1", { ...ctx, method: "SMTP AUTH PLAIN" })).ok, false);
    } finally {
      await app.close();
    }
    const records = jsonLines((await moat("--json", "logins", "hank@example.com")).stdout);
    assert.deepEqual(
      records.map((r) => [r.address, r.channel, r.ip, r.result, r.reason]),
      [
        ["hank@example.com", "pop3", "2001:db8::7", "failure", "invalid_credentials"],
        ["hank@example.com", "imap", "203.0.113.50", "success", "ok"],
      ],
    );
    assert.match(String(records[0]?.time), /^\d{4}-\d\d-\d\dT/);
    const all = jsonLines((await moat("--json", "logins", "--limit", "1")).stdout);
    assert.deepEqual(all.map((r) => [r.address, r.reason]), [["ghost@example.com", "unknown_account"]]);
    const older = jsonLines((await moat("--json", "logins", "--before", String(all[0]?.id))).stdout);
    assert.equal(older.length, 2);
    const table = (await moat("logins", "hank@example.com")).stdout;
    assert.match(table, /^ID\s+TIME\s+ADDRESS\s+CHANNEL\s+METHOD\s+IP\s+PLACE\s+RESULT\s+REASON$/m);
    assert.match(table, /hank@example\.com\s+imap\s+IMAP LOGIN\s+203\.0\.113\.50\s+reserved\s+success\s+ok/);
  });
});
