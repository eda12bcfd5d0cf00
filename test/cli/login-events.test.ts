// `moat login-events` and `moat login-events ack` (issue 8 items 2 and 3) against a real data
// folder, on SQLite and PostgreSQL, in this process and as a child process: the JSON lines scripts rely on, each filter, paging, the table, bad filters refused
// with exit status 2 and one line naming the flag; acknowledging by id (twice: 0), every open
// event of a domain or an account, each in the audit log. And the abnormal-login keys of
// `moat domain set`: checked country codes and webhook address, the secret never printed.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { User } from "../../src/core/accounts/types.js";
import { expectBadInput, expectOk, jsonLines, runMoat, withDataCore, type CliRun } from "../support/cli.js";
import { recordEvent } from "../support/login-events.js";
import { cliInProcess, freshDatabase } from "../support/mail-e2e.js";
import { pgSkip } from "../support/stores.js";
import { tempDir } from "../support/temp.js";

const hour = 3_600_000;
const PASSWORD = "ivy-password-1";
const SECRET = "webhook-signing-secret-7f3a";
const fields = ["id", "rule", "severity", "account", "domain", "ip", "summary", "detail", "firstSeen", "lastSeen", "occurrences", "state", "acknowledgedAt", "acknowledgedBy", "notices"];

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`moat login-events on ${dialect}`, { skip: dialect === "postgres" ? pgSkip : false }, () => {
    let data = "";
    let dropDatabase: (() => Promise<void>) | undefined;
    const e: number[] = [];
    // Most runs in this process (a child's start-up costs seconds on a busy machine); the
    // runs that check what people see also as the real command, a child process.
    const moat = (...args: string[]): Promise<CliRun> => cliInProcess(data, args);
    const child = (...args: string[]): Promise<CliRun> => runMoat(["--data", data, ...args]);
    const json = async (...args: string[]) => jsonLines(expectOk(await moat("--json", "login-events", ...args)).stdout);
    const ids = async (...args: string[]) => (await json(...args)).map((x) => x.id);
    const newest = (...picked: number[]) => picked.map((i) => e[i]!).reverse();

    before(async () => {
      data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
      const env: Record<string, string> = {};
      if (dialect === "postgres") {
        const db = await freshDatabase("login_events_cli");
        env.MOAT_DATABASE_URL = db.url;
        dropDatabase = db.drop;
      }
      expectOk(await runMoat(["--data", data, "init", "--domain", "example.com"], { env }));
      // Every later run, in this process or not, reads the database from the data folder.
      if (dialect === "postgres") {
        const config = path.join(data, "moat.toml");
        fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace(/^\[database\]\n/m, `[database]\nurl = ${JSON.stringify(env.MOAT_DATABASE_URL)}\n`));
      }
      expectOk(await moat("domain", "add", "example.org"));
      for (const address of ["ivy@example.com", "bob@example.com", "olga@example.org"]) expectOk(await moat("user", "add", address, "--password", PASSWORD));
      await withDataCore(data, async (app) => {
        const user = async (address: string) => (await app.store.users.findByAddress(address as never)) as User;
        const now = Date.now();
        const ivy = await user("ivy@example.com");
        for (const [who, at, over] of [
          [ivy, now - 5 * hour, { detail: { country: "NG", city: "Lagos", asn: 36923 } }],
          [ivy, now - 4 * hour, { rule: "impossible_travel", severity: "high", adminNotice: "pending", webhook: "pending" }],
          [await user("bob@example.com"), now - 3 * hour, { rule: "new_network", severity: "low" }],
          [null, now - 2 * hour, { rule: "ip_failure_burst", ip: "203.0.113.9" }],
          [await user("olga@example.org"), now - 30 * 60_000, { rule: "unexpected_country", severity: "high" }],
        ] as const) {
          e.push((await recordEvent(app.store, who, at, over)).id);
        }
        // A second occurrence of the first: one event seen twice.
        await app.store.loginEvents.record({ ...(await app.store.loginEvents.get(e[0]!))!, at: now - 5 * hour + 60_000, userNotice: "pending", adminNotice: "none", webhook: "none" }, now - 6 * hour);
      });
    });

    after(async () => {
      await dropDatabase?.();
    });

    it("prints one JSON object per event with every field, newest first", async () => {
      const events = jsonLines(expectOk(await child("--json", "login-events")).stdout);
      assert.deepEqual(events.map((x) => x.id), newest(0, 1, 2, 3, 4));
      for (const x of events) assert.deepEqual(Object.keys(x), fields);
      const first = events.at(-1)!;
      assert.deepEqual(
        [first.rule, first.severity, first.account, first.domain, first.ip, first.detail, first.occurrences, first.state, first.acknowledgedAt, first.acknowledgedBy, first.notices],
        ["unfamiliar_country", "medium", "ivy@example.com", "example.com", "41.58.0.1", { country: "NG", city: "Lagos", asn: 36923 }, 2, "open", null, null, { user: "pending", admin: "none", webhook: "none" }],
      );
      assert.equal(Date.parse(String(first.lastSeen)) - Date.parse(String(first.firstSeen)), 60_000);
      assert.ok(String(first.firstSeen).endsWith("Z"));
      assert.match(String(first.summary), /^New sign-in to ivy@example\.com from Lagos, Nigeria/);
      const burst = events.find((x) => x.rule === "ip_failure_burst")!;
      assert.deepEqual([burst.account, burst.domain, burst.ip], [null, null, "203.0.113.9"]);
      assert.deepEqual(events.find((x) => x.rule === "impossible_travel")!.notices, { user: "pending", admin: "pending", webhook: "pending" });
    });

    it("filters by account, domain, state, rule, severity, time, and pages by id", async () => {
      assert.deepEqual(await ids("ivy@example.com"), newest(0, 1));
      assert.deepEqual(await ids("--domain", "example.org"), newest(4));
      assert.deepEqual(await ids("--domain", "example.com", "--severity", "medium"), newest(0, 1));
      assert.deepEqual(await ids("--severity", "high"), newest(1, 4));
      assert.deepEqual(await ids("--rule", "new-network"), newest(2));
      assert.deepEqual(await ids("--since", "150m"), newest(3, 4));
      assert.deepEqual(await ids("--since", "2000-01-01", "--state", "open"), newest(0, 1, 2, 3, 4));
      assert.deepEqual(await ids("--state", "acknowledged"), []);
      const first = await ids("--limit", "3");
      assert.deepEqual([...first, ...(await ids("--before", String(first.at(-1))))], newest(0, 1, 2, 3, 4));
    });

    it("prints a table: ID LAST-SEEN ACCOUNT RULE SEVERITY COUNT STATE SUMMARY", async () => {
      const table = expectOk(await child("login-events", "ivy@example.com")).stdout;
      assert.match(table, /^ID\s+LAST-SEEN\s+ACCOUNT\s+RULE\s+SEVERITY\s+COUNT\s+STATE\s+SUMMARY$/m);
      assert.match(table, new RegExp(`^${e[0]!}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+ivy@example\\.com\\s+unfamiliar_country\\s+medium\\s+2\\s+open\\s+New sign-in to ivy@example\\.com from Lagos`, "m"));
      assert.equal(table.trimEnd().split("\n").length, 3);
      assert.match(expectOk(await moat("login-events", "--rule", "ip_failure_burst")).stdout, /\s+-\s+ip_failure_burst\s+medium\s+1\s+open\s+/);
    });

    it("refuses bad filters and bad acknowledgements with exit status 2 and one line", async () => {
      for (const [args, pattern] of [
        [["--state", "closed"], /--state: expected open\|acknowledged, not 'closed'/],
        [["--rule", "weather"], /--rule: expected unfamiliar_country\|/],
        [["--severity", "critical"], /--severity: expected low\|medium\|high, not 'critical'/],
        [["--since", "last week"], /--since: 'last week' is neither a duration/],
        [["--limit", "0"], /--limit must be a whole number/],
        [["--before", "-3"], /--before/],
        [["--domain", "nowhere.example"], /no domain nowhere\.example/],
        [["not-an-address"], /not-an-address|address/],
        [["ack"], /give the ids of the events to acknowledge, or --all/],
        [["ack", "x1"], /ack: 'x1' is not an event id/],
        [["ack", "1", "--all"], /give event ids or --all, not both/],
        [["ack", "1", "--domain", "example.com"], /--domain and --address go with --all/],
        [["ack", "--all", "--domain", "nowhere.example"], /no domain nowhere\.example/],
      ] as const) {
        expectBadInput(await moat("login-events", ...args), pattern);
      }
      expectBadInput(await child("login-events", "--severity", "critical"), /^moat: --severity: expected low\|medium\|high, not 'critical'$/m);
      assert.deepEqual(await ids("--state", "acknowledged"), [], "nothing was acknowledged");
    });

    it("acknowledges by id (twice: none), or every open event of a domain or account, each in the audit log", async () => {
      assert.equal(expectOk(await child("login-events", "ack", String(e[0]), String(e[1]))).stdout, "acknowledged 2 events\n");
      assert.deepEqual(jsonLines(expectOk(await moat("--json", "login-events", "ack", String(e[0]), "99999")).stdout), [{ acknowledged: 0 }]);
      const acked = await json("--state", "acknowledged");
      assert.deepEqual(acked.map((x) => x.id), newest(0, 1));
      assert.ok(acked.every((x) => /^cli(:|$)/.test(String(x.acknowledgedBy)) && !Number.isNaN(Date.parse(String(x.acknowledgedAt)))));

      assert.equal(expectOk(await moat("login-events", "ack", "--all", "--domain", "example.com")).stdout, "acknowledged 1 event\n", "bob's; the address's burst is no domain's");
      assert.equal(expectOk(await moat("login-events", "ack", "--all", "--address", "olga@example.org")).stdout, "acknowledged 1 event\n");
      assert.deepEqual(await ids("--state", "open"), newest(3));
      assert.equal(expectOk(await moat("login-events", "ack", "--all")).stdout, "acknowledged 1 event\n");
      assert.equal(expectOk(await moat("login-events", "ack", "--all")).stdout, "acknowledged 0 events\n");

      const audit = jsonLines(expectOk(await moat("--json", "audit", "list", "--limit", "20")).stdout).filter((x) => x.action === "login_event.acknowledge");
      assert.deepEqual(audit.map((x) => x.target).sort(), ["203.0.113.9", "bob@example.com", "ivy@example.com", "ivy@example.com", "olga@example.org"]);
      assert.ok(audit.every((x) => /^cli(:|$)/.test(String(x.actor))));
      assert.deepEqual(audit.find((x) => (x.after as { event: number }).event === e[1])?.after, { event: e[1], rule: "impossible_travel", severity: "high", state: "acknowledged" });
    });

    it("domain set: login alerts, expected and unexpected countries, the webhook and its secret (never printed)", async () => {
      const settings = async () => (jsonLines(expectOk(await moat("--json", "domain", "show", "example.com")).stdout)[0]!.settings as Record<string, string>);
      const keys = ["login-alerts", "unexpected-countries", "expected-countries", "login-alert-webhook", "login-alert-webhook-secret"];
      const pick = (s: Record<string, string>) => keys.map((k) => s[k]);
      assert.deepEqual(pick(await settings()), ["on", "none", "none", "none", "none"]);

      const set = expectOk(await child("domain", "set", "example.com", "login-alerts=off", "unexpected-countries=ng, ru", "expected-countries=de,FR", "login-alert-webhook=https://hooks.example.net/moat?x=1", `login-alert-webhook-secret=${SECRET}`));
      assert.match(set.stdout, /^ {2}login-alert-webhook-secret=set$/m);
      assert.match(set.stdout, /^ {2}unexpected-countries=NG,RU$/m);
      assert.deepEqual(pick(await settings()), ["off", "NG,RU", "DE,FR", "https://hooks.example.net/moat?x=1", "set"]);
      await withDataCore(data, async (app) => {
        const { settings: stored } = await app.loginSecurity.settings.forDomain("example.com");
        assert.deepEqual([stored.loginAlerts, stored.unexpectedCountries, stored.expectedCountries, stored.loginAlertWebhookSecret], ["off", ["NG", "RU"], ["DE", "FR"], SECRET]);
      });
      for (const args of [["domain", "show", "example.com"], ["--json", "domain", "show", "example.com"], ["--json", "audit", "list", "--limit", "50"], ["audit", "list", "--limit", "50"]]) {
        assert.ok(!expectOk(await moat(...args)).stdout.includes(SECRET), `${args.join(" ")} does not print the secret`);
      }

      for (const [pair, pattern] of [
        ["unexpected-countries=NG,XX", /unexpected-countries: "XX" is not an ISO 3166-1 country code/],
        ["expected-countries=UK", /expected-countries: "UK" .*the United Kingdom is GB/],
        ["expected-countries=Germany", /expected-countries: "Germany" is not/],
        ["login-alerts=maybe", /login-alerts: expected on or off, not 'maybe'/],
        ["login-alert-webhook=ftp://hooks.example.net/x", /login-alert-webhook: 'ftp:\/\/hooks\.example\.net\/x' is not an http:\/\/ or https:\/\/ address/],
        ["login-alert-webhook=hooks.example.net", /login-alert-webhook: 'hooks\.example\.net' is not an http/],
        [`login-alert-webhook-secret=${"x".repeat(201)}`, /login-alert-webhook-secret: at most 200 characters/],
      ] as const) {
        expectBadInput(await moat("domain", "set", "example.com", "login-alerts=on", pair), pattern);
      }
      expectBadInput(await child("domain", "set", "example.com", "unexpected-countries=ZZ"), /unexpected-countries: "ZZ" is not/);
      assert.deepEqual(pick(await settings()), ["off", "NG,RU", "DE,FR", "https://hooks.example.net/moat?x=1", "set"], "a bad pair changes nothing");

      expectOk(await moat("domain", "set", "example.com", "unexpected-countries=none", "expected-countries=none", "login-alert-webhook=none", "login-alert-webhook-secret=none", "login-alerts=on"));
      assert.deepEqual(pick(await settings()), ["on", "none", "none", "none", "none"]);
    });
  });
}
