// Login records end to end (issue 8 item 1, decision 0024): the real `moat start` trusting a
// PROXY-protocol relay on 127.0.0.1 (decision 0003), like HAProxy in front of it, which presents
// public client addresses; imapflow logs in through it (STARTTLS first: the address is not
// loopback), right and wrong; `moat logins ADDRESS --json` then shows each attempt with the
// country, city and AS of the presented address. A record older than the retention period,
// written before the start, is pruned by the running server.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openMoat } from "../../src/app.js";
import { loadSettings } from "../../src/config/load.js";
import { createLogger } from "../../src/shared/logger.js";
import { imapLoginText } from "../support/client-logins.js";
import { expectOk, jsonLines, runMoat } from "../support/cli.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { proxyRelay } from "../support/proxy-relay.js";
import { tempDir } from "../support/temp.js";

const PASSWORD = "ivy-password-1";
const day = 86_400_000;

/** A relay presenting `client` to the server at `port` (PROXY v1). */
const relay = (port: number, client: string, closers: Array<() => void>) => proxyRelay(port, client, (fn) => closers.push(fn));

describe("login records with a real IMAP client behind a PROXY relay", () => {
  let data = "";
  let moat: MoatProcess | undefined;
  const closers: Array<() => void> = [];
  const cli = (...args: string[]) => runMoat(["--data", data, ...args]);

  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    expectOk(await cli("init", "--domain", "example.com"));
    expectOk(await cli("user", "add", "ivy@example.com", "--password", PASSWORD));
    // A login 200 days ago (the core with its clock set back), past the 180 days kept by default.
    const past = { now: () => Date.now() - 200 * day, sleep: async () => {} };
    const app = await openMoat(loadSettings({ dataDir: data, env: {} }), createLogger({ level: "silent", pretty: false }), { clock: past });
    try {
      assert.ok((await app.authenticate("imap", "ivy@example.com", PASSWORD, { ip: "193.0.0.1", secure: true, method: "IMAP LOGIN" })).ok);
    } finally {
      await app.close();
    }
    moat = await startMoat(data, { MOAT_TRUSTED_PROXIES: "127.0.0.1" });
  });
  after(async () => {
    for (const close of closers) close();
    await moat?.stop();
  });

  it("records each attempt with the presented address's country, city and network; the old record is pruned", { timeout: 120_000 }, async () => {
    const imap = moat!.ports.imap!;
    assert.equal(await imapLoginText(await relay(imap, "41.58.0.1", closers), "ivy@example.com", PASSWORD, "127.0.0.1", true), "ok");
    assert.notEqual(await imapLoginText(await relay(imap, "2a02:6b8::1", closers), "ivy@example.com", "not-the-password", "127.0.0.1", true), "ok");

    // Pruning runs at start without holding it up: read until the 200-day-old record is gone.
    let records: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      records = jsonLines(expectOk(await cli("--json", "logins", "ivy@example.com")).stdout);
      if (!records.some((r) => r.ip === "193.0.0.1")) break;
    }
    assert.deepEqual(
      records.map((r) => [r.channel, r.ip, r.network, r.country, r.city, r.asn, r.asOrg, r.result, r.reason]),
      [
        ["imap", "2a02:6b8::1", "public", "RU", null, 13238, "YANDEX LLC", "failure", "invalid_credentials"],
        ["imap", "41.58.0.1", "public", "NG", "Lagos", 36923, "SWIFT NETWORKS LIMITED", "success", "ok"],
      ],
      "the two logins through the relay, and not the one from 200 days ago",
    );
    for (const r of records) assert.match(String(r.method), /^IMAP (LOGIN|AUTHENTICATE PLAIN)$/);
    assert.ok(Date.now() - Date.parse(String(records[0]!.time)) < 10 * 60_000);
  });
});
