// `moat logins` (issue 8 item 1, decision 0024) against a real data folder: the JSON lines
// scripts rely on (one object per record, every field named in the decision), the filters by
// account, domain, IP and CIDR, country, result and time, paging, the table, and bad filters
// refused with exit status 2 and one line saying which.
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expectBadInput, expectOk, jsonLines, runMoat, withDataCore } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const json = async (...args: string[]) => jsonLines(expectOk(await moat("--json", "logins", ...args)).stdout);
const PASSWORD = "ivy-password-1";

const fields = ["id", "time", "address", "channel", "method", "ip", "network", "country", "region", "city", "asn", "asOrg", "appPassword", "clientId", "result", "reason"];

describe("moat logins", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    expectOk(await moat("init", "--domain", "example.com"));
    expectOk(await moat("domain", "add", "example.org"));
    expectOk(await moat("user", "add", "ivy@example.com", "--password", PASSWORD));
    expectOk(await moat("user", "add", "olga@example.org", "--password", PASSWORD));
    await withDataCore(data, async (app) => {
      const { secret } = await app.loginSecurity.appPasswords.create("ivy@example.com", "Phone mail app", [], { kind: "admin", name: "cli:test" });
      const log = (channel: "imap" | "pop3" | "smtp" | "web", name: string, password: string, ip: string, method: string) =>
        app.authenticate(channel, name, password, { ip, secure: true, method, clientId: "Thunderbird" });
      assert.ok((await log("imap", "ivy@example.com", secret, "41.58.0.1", "IMAP AUTHENTICATE PLAIN")).ok);
      assert.ok((await log("web", "ivy@example.com", PASSWORD, "81.2.69.160", "WEB PASSWORD")).ok);
      assert.ok(!(await log("pop3", "ivy@example.com", "wrong-password", "2a02:6b8::1", "POP3 USER/PASS")).ok);
      assert.ok(!(await log("smtp", "ghost@example.com", "whatever-1", "10.0.0.9", "SMTP AUTH PLAIN")).ok);
      assert.ok((await log("imap", "olga@example.org", PASSWORD, "8.8.8.8", "IMAP LOGIN")).ok);
    });
  });

  it("prints one JSON object per record with every field, newest first", async () => {
    const records = await json("ivy@example.com");
    for (const r of records) assert.deepEqual(Object.keys(r), fields);
    assert.deepEqual(
      records.map((r) => [r.channel, r.method, r.ip, r.network, r.country, r.region, r.city, r.asn, r.asOrg, r.appPassword, r.clientId, r.result, r.reason]),
      [
        ["pop3", "POP3 USER/PASS", "2a02:6b8::1", "public", "RU", null, null, 13238, "YANDEX LLC", null, "Thunderbird", "failure", "invalid_credentials"],
        ["web", "WEB PASSWORD", "81.2.69.160", "public", "GB", "England", "Bracknell", 20712, "Andrews & Arnold Ltd", null, "Thunderbird", "success", "ok"],
        ["imap", "IMAP AUTHENTICATE PLAIN", "41.58.0.1", "public", "NG", "Lagos", "Lagos", 36923, "SWIFT NETWORKS LIMITED", "Phone mail app", "Thunderbird", "success", "ok"],
      ],
    );
    assert.ok(records.every((r) => r.address === "ivy@example.com" && !Number.isNaN(Date.parse(String(r.time))) && String(r.time).endsWith("Z")));
  });

  it("filters by domain, address or CIDR, country, result and time, and pages by id", async () => {
    const who = (records: Array<Record<string, unknown>>) => records.map((r) => `${String(r.address)} ${String(r.ip)}`);
    assert.deepEqual(who(await json("--domain", "example.com")), ["ghost@example.com 10.0.0.9", "ivy@example.com 2a02:6b8::1", "ivy@example.com 81.2.69.160", "ivy@example.com 41.58.0.1"]);
    assert.deepEqual(who(await json("--domain", "example.org")), ["olga@example.org 8.8.8.8"]);
    assert.deepEqual(who(await json("--ip", "41.58.0.1")), ["ivy@example.com 41.58.0.1"]);
    assert.deepEqual(who(await json("--ip", "2a02:6b8::/29")), ["ivy@example.com 2a02:6b8::1"]);
    assert.deepEqual(who(await json("--ip", "8.0.0.0/7")), ["olga@example.org 8.8.8.8"]);
    assert.deepEqual(who(await json("--country", "ng")), ["ivy@example.com 41.58.0.1"]);
    assert.deepEqual(who(await json("ivy@example.com", "--result", "failure")), ["ivy@example.com 2a02:6b8::1"]);
    assert.equal((await json("--since", "1h")).length, 5);
    assert.equal((await json("--until", "2000-01-01")).length, 0);
    assert.equal((await json("--since", "2000-01-01", "--until", "2100-01-01", "--result", "success")).length, 3);
    const first = await json("--limit", "2");
    const rest = await json("--before", String(first.at(-1)?.id));
    assert.deepEqual([...first, ...rest].map((r) => r.id), (await json()).map((r) => r.id), "two pages are the whole list");
    assert.equal(rest.length, 3);
  });

  it("prints a table with the place of each login", async () => {
    const table = expectOk(await moat("logins", "ivy@example.com")).stdout;
    assert.match(table, /^ID\s+TIME\s+ADDRESS\s+CHANNEL\s+METHOD\s+IP\s+PLACE\s+RESULT\s+REASON$/m);
    assert.match(table, /ivy@example\.com\s+imap\s+IMAP AUTHENTICATE PLAIN \(Phone mail app\)\s+41\.58\.0\.1\s+Lagos, NG AS36923\s+success\s+ok/);
    assert.match(expectOk(await moat("logins", "ghost@example.com")).stdout, /10\.0\.0\.9\s+private\s+failure\s+unknown_account/);
  });

  it("refuses bad filters with exit status 2 and the flag in one line", async () => {
    for (const [args, pattern] of [
      [["--ip", "10.0.0.0/40"], /--ip: '10\.0\.0\.0\/40' is not an IP address or CIDR range/],
      [["--ip", "example.com"], /--ip: 'example\.com'/],
      [["--country", "Nigeria"], /--country: 'Nigeria' is not a two-letter ISO 3166 code/],
      [["--result", "ok"], /--result: expected success\|failure\|pending/],
      [["--since", "last week"], /--since: 'last week' is neither a duration/],
      [["--limit", "0"], /--limit must be a whole number/],
      [["--domain", "nowhere.example"], /no domain nowhere\.example/],
      [["not-an-address"], /not-an-address|address/],
    ] as const) {
      expectBadInput(await moat("logins", ...args), pattern);
    }
  });
});
