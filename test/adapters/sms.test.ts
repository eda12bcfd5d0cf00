// The SMS senders (issue 6, item 6): `webhook` against a real HTTP server on a loopback port
// (success with the JSON body and auth header, a 500, a timeout, nothing listening), and
// `log`, whose messages land in the outbox on SQLite and PostgreSQL. A code whose send failed
// is void, and the failure reaches the caller.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { createLogSmsSender, createSmsSender, createWebhookSmsSender } from "../../src/adapters/sms/index.js";
import { loadSettings } from "../../src/config/load.js";
import { PhoneCodes } from "../../src/core/auth/phone/index.js";
import { isMoatError } from "../../src/shared/errors.js";
import { createLogger } from "../../src/shared/logger.js";
import { TestClock } from "../support/clock.js";
import { forEachDialect } from "../support/stores.js";
import { tempDir } from "../support/temp.js";

interface Received {
  readonly method: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A gateway on a free loopback port answering with `status`, or never when status is null. */
async function gateway(t: TestContext, status: number | null): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ method: req.method ?? "", headers: req.headers, body });
      if (status === null) return void hanging.push(res);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status < 300, detail: "gateway internals" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, received };
}

const message = { to: "+4915112345678", text: "Your code is 123456.", purpose: "bind" as const };

describe("webhook SMS sender", () => {
  it("POSTs {to, text, purpose} as JSON with the auth header", async (t) => {
    const gw = await gateway(t, 202);
    await createWebhookSmsSender({ url: gw.url, header: "X-Api-Key", token: "k-123", timeoutMs: 2000 }).send(message);
    assert.equal(gw.received.length, 1);
    const [req] = gw.received;
    assert.equal(req!.method, "POST");
    assert.equal(req!.headers["content-type"], "application/json");
    assert.equal(req!.headers["x-api-key"], "k-123");
    assert.deepEqual(JSON.parse(req!.body), message);
  });

  it("sends no auth header when no token is set", async (t) => {
    const gw = await gateway(t, 200);
    await createWebhookSmsSender({ url: gw.url, timeoutMs: 2000 }).send(message);
    assert.equal(gw.received[0]!.headers.authorization, undefined);
  });

  it("a 500 is an sms_failed error naming the status, not the gateway's text", async (t) => {
    const gw = await gateway(t, 500);
    const err = await createWebhookSmsSender({ url: gw.url, timeoutMs: 2000 }).send(message).catch((e: unknown) => e);
    assert.ok(isMoatError(err, "sms_failed"), String(err));
    assert.match(err.message, /HTTP 500/);
    assert.doesNotMatch(err.message, /internals/);
  });

  it("a gateway that does not answer in time is an sms_failed error", async (t) => {
    const gw = await gateway(t, null);
    const started = Date.now();
    const err = await createWebhookSmsSender({ url: gw.url, timeoutMs: 300 }).send(message).catch((e: unknown) => e);
    assert.ok(isMoatError(err, "sms_failed"), String(err));
    assert.match(err.message, /did not answer within 300 ms/);
    assert.ok(Date.now() - started < 5000);
    assert.equal(gw.received.length, 1, "the request did arrive");
  });

  it("nothing listening is an sms_failed error", async (t) => {
    const gw = await gateway(t, 200);
    const url = gw.url.replace(/:\d+\//, ":1/");
    await assert.rejects(createWebhookSmsSender({ url, timeoutMs: 2000 }).send(message), (err) => isMoatError(err, "sms_failed"));
  });

  it("the [sms] settings refuse a webhook sender without a URL, naming the key", (t) => {
    const dataDir = tempDir(t);
    assert.throws(() => loadSettings({ dataDir, env: { MOAT_SMS_SENDER: "webhook" } }), (err) => isMoatError(err, "config_invalid") && /sms\.webhook_url/.test(err.message));
    assert.throws(() => loadSettings({ dataDir, env: { MOAT_SMS_SENDER: "carrier-pigeon" } }), (err) => isMoatError(err, "config_invalid") && /sms\.sender: expected log or webhook/.test(err.message));
    const ok = loadSettings({ dataDir, env: { MOAT_SMS_SENDER: "webhook", MOAT_SMS_WEBHOOK_URL: "https://sms.example.net/send", MOAT_SMS_TIMEOUT_MS: "2500" } }).settings.sms;
    assert.deepEqual([ok.sender, ok.webhook_url, ok.timeout_ms, ok.max_per_account_per_hour], ["webhook", "https://sms.example.net/send", 2500, 5]);
    assert.equal(loadSettings({ dataDir, env: {} }).settings.sms.sender, "log", "log by default");
  });

  it("is the sender the [sms] settings choose", async (t) => {
    const gw = await gateway(t, 200);
    const settings = { sender: "webhook" as const, webhook_url: gw.url, webhook_header: "Authorization", webhook_token: "Bearer t", timeout_ms: 2000 };
    const sender = createSmsSender(settings, { outbox: undefined as never, clock: new TestClock(), logger: createLogger({ level: "silent", pretty: false }) });
    assert.equal(sender.kind, "webhook");
    await sender.send(message);
    assert.equal(gw.received[0]!.headers.authorization, "Bearer t");
  });
});

forEachDialect((dialect, open) => {
  describe(`log SMS sender on ${dialect}`, () => {
    it("writes the message to the log and the outbox, newest first, pruned later", async (t) => {
      const store = await open(t);
      const clock = new TestClock();
      const logFile = path.join(tempDir(t), "moat.log");
      const sender = createLogSmsSender({ outbox: store.smsOutbox, clock, logger: createLogger({ level: "info", pretty: false, destination: logFile, sync: true }) });
      await sender.send(message);
      clock.advance(60_000);
      await sender.send({ ...message, to: "+14155550100", purpose: "password_reset" });
      const listed = await store.smsOutbox.list({ limit: 10 });
      assert.deepEqual(
        listed.map((m) => [m.to, m.purpose, m.text, m.at]),
        [
          ["+14155550100", "password_reset", message.text, clock.now()],
          [message.to, "bind", message.text, clock.now() - 60_000],
        ],
      );
      assert.equal((await store.smsOutbox.list({ limit: 10, to: message.to })).length, 1);
      const lines = fs.readFileSync(logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { msg: string; sms: { to: string; text: string } });
      assert.deepEqual(lines.map((l) => [l.msg, l.sms.to, l.sms.text]), [["text message (log sender)", message.to, message.text], ["text message (log sender)", "+14155550100", message.text]]);
      assert.equal(await store.smsOutbox.prune(clock.now() - 30_000), 1);
      assert.equal((await store.smsOutbox.list({ limit: 10 })).length, 1);
    });

    it("a code whose webhook send failed is void, and the caller hears of it", async (t) => {
      const store = await open(t);
      const clock = new TestClock();
      const gw = await gateway(t, 500);
      const user = await store.domains.create("example.com" as never, clock.now()).then((d) =>
        store.users.create({ domainId: d.id, address: "alice@example.com" as never, displayName: "", role: "user", quotaBytes: 0, passwordHash: "x", now: clock.now() }),
      );
      const codes = new PhoneCodes(store, clock, createWebhookSmsSender({ url: gw.url, timeoutMs: 2000 }));
      await assert.rejects(codes.send(user.id, "bind", message.to), (err) => isMoatError(err, "sms_failed"));
      assert.equal(await store.phones.liveCode(user.id, "bind", clock.now()), undefined);
      const text = (JSON.parse(gw.received[0]!.body) as { text: string }).text;
      assert.match(text, /is \d{6}\./);
    });
  });
});
