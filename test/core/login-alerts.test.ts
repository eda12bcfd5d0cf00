// Alerts of abnormal logins (issue 8 item 3) on SQLite and PostgreSQL, with events stored as the
// detector stores them and the real mail flow delivering to real Inboxes: the user's mail (place,
// IP, channel; UTF-8 subject), grouping (two events, one mail; a third within the interval waits
// and goes out after it), the user's opt-out (their mail skipped, the admins' still sent), the
// admins' mail going to the install's admins when the domain has none, and the webhook on a
// local HTTP server: its JSON, its signature, a retry after a 500 and giving up after the attempts.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import libmime from "libmime";
import { LoginSettingsService } from "../../src/core/auth/login-settings-service.js";
import type { LoginEvent, NewLoginEvent } from "../../src/core/ports/login-events.js";
import type { Store } from "../../src/core/ports/store.js";
import { LoginAlertNotifier } from "../../src/core/security/alerts/notifier.js";
import { eventually } from "../support/eventually.js";
import { flowAdmin, flowDomain } from "../support/flow.js";
import { forEachDialect } from "../support/stores.js";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

async function alertsSetup(t: TestContext, store: Store, webhookAttempts = 3) {
  const app = await flowDomain(t, store, ["alice", "carol"]);
  const notifier = new LoginAlertNotifier({
    store,
    clock: app.clock,
    flow: app.flow,
    hostname: "mx.example.com",
    settings: { mailIntervalMs: hour, webhookTimeoutMs: 5_000, webhookAttempts, retentionMs: 30 * day },
  });
  t.after(() => notifier.stop());
  const loginSettings = new LoginSettingsService(store, app.accounts, app.audit, app.clock);
  const domainId = app.users.alice!.domainId;
  /** An event as the detector records it: a sign-in from Lagos over IMAP, notices as given. */
  const raise = async (over: Partial<NewLoginEvent> = {}): Promise<LoginEvent> => {
    const { event } = await store.loginEvents.record(
      {
        rule: "unfamiliar_country",
        severity: "medium",
        userId: app.users.alice!.id,
        domainId,
        identity: "alice@example.com",
        ip: "41.58.0.1",
        groupKey: `user:${app.users.alice!.id}:unfamiliar_country:NG:${crypto.randomUUID()}`,
        summary: "New sign-in to alice@example.com from Lagos, Nigeria via IMAP (SWIFT NETWORKS LIMITED), a country this account has not used before.",
        detail: { channel: "imap", country: "NG", city: "Lagos", asn: 37282, asOrg: "SWIFT NETWORKS LIMITED" },
        at: app.clock.now(),
        loginRecordId: null,
        userNotice: "pending",
        adminNotice: "none",
        webhook: "none",
        ...over,
      },
      app.clock.now() - hour,
    );
    return event;
  };
  const event = async (id: number) => (await store.loginEvents.get(id))!;
  const subjects = async (name: string) => (await app.folder(name)).map((m) => libmime.decodeWords(/^Subject: (.*)\r$/m.exec(m)?.[1] ?? ""));
  return { ...app, notifier, loginSettings, domainId, raise, event, subjects };
}

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on port 0 answering each POST with the next status of `statuses` (the last repeats). */
async function receiver(t: TestContext, statuses: readonly number[]) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = statuses[Math.min(received.length, statuses.length) - 1]!;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/moat-events`, received };
}

forEachDialect((dialect, open) => {
  describe(`login alerts on ${dialect}`, () => {
    it("mails the user in their Inbox, naming the place, IP and channel, once", async (t) => {
      const app = await alertsSetup(t, await open(t));
      const raised = await app.raise();
      assert.equal(await app.notifier.run(), 1);
      assert.equal(await app.notifier.run(), 0, "not twice");
      const [mail, ...more] = await app.folder("alice");
      assert.equal(more.length, 0);
      assert.deepEqual(await app.subjects("alice"), ["New sign-in to your account from Lagos, Nigeria"]);
      assert.match(mail!, /^From: Postmaster <postmaster@example\.com>\r$/m);
      assert.match(mail!, /^To: <alice@example\.com>\r$/m);
      assert.match(mail!, /^Auto-Submitted: auto-generated\r$/m);
      assert.match(mail!, /^Content-Type: text\/plain; charset=utf-8\r$/m);
      assert.match(mail!, /^New sign-in to alice@example\.com from Lagos, Nigeria via IMAP/m);
      assert.match(mail!, /^ {2}Time: +2026-11-26 12:00:00 UTC\r$/m);
      assert.match(mail!, /^ {2}Place: +Lagos, Nigeria\r$/m);
      assert.match(mail!, /^ {2}IP address: +41\.58\.0\.1\r$/m);
      assert.match(mail!, /^ {2}Channel: +IMAP\r$/m);
      assert.match(mail!, /^ {2}Network: +SWIFT NETWORKS LIMITED \(AS37282\)\r$/m);
      assert.match(mail!, /If this wasn't you: change your password, revoke client security passwords, and tell your administrator\./);
      const after = await app.event(raised.id);
      assert.equal(after.userNotice, "sent");
      assert.equal(after.userNoticeAt, app.clock.now());
    });

    it("encodes a UTF-8 subject (RFC 2047) and sends the body as 8bit UTF-8", async (t) => {
      const app = await alertsSetup(t, await open(t));
      await app.raise({ detail: { channel: "web", country: "BR", city: "São Paulo" }, summary: "New sign-in to alice@example.com from São Paulo, Brazil via web." });
      assert.equal(await app.notifier.run(), 1);
      const [mail] = await app.folder("alice");
      assert.match(mail!, /^Subject: [\x20-\x7e]*=\?UTF-8\?Q\?[\x20-\x7e]*\r$/im, "the raw header is ASCII, the name an encoded word");
      assert.deepEqual(await app.subjects("alice"), ["New sign-in to your account from São Paulo, Brazil"]);
      assert.match(mail!, /^Content-Transfer-Encoding: 8bit\r$/m);
      assert.match(mail!, /^ {2}Place: +São Paulo, Brazil\r$/m);
      assert.match(mail!, /^ {2}Channel: +web\r$/m);
    });

    it("gathers events into one mail, and one mail per account per interval", async (t) => {
      const app = await alertsSetup(t, await open(t));
      // Two rules finding one sign-in unusual: one event each, one login.
      const first = await app.raise({ loginRecordId: 7 });
      const second = await app.raise({ loginRecordId: 7, rule: "new_network", severity: "low", summary: "New sign-in to alice@example.com from a network this account has not used before." });
      assert.equal(await app.notifier.run(), 1);
      assert.deepEqual(await app.subjects("alice"), ["New sign-in to your account from Lagos, Nigeria"], "two findings of one sign-in: one sign-in told of");
      const [mail] = await app.folder("alice");
      assert.match(mail!, /a country this account has not used before\.\r\nNew sign-in to alice@example\.com from a network this account has not used before\.\r\n {2}Time:/);
      assert.equal(mail!.match(/^ {2}Place: /gm)?.length, 1, "the login's facts told once");
      for (const e of [first, second]) assert.equal((await app.event(e.id)).userNotice, "sent");

      app.clock.advance(10 * minute);
      const third = await app.raise({ rule: "impossible_travel", severity: "high", summary: "Sign-in to alice@example.com from Lagos, Nigeria, 5,000 km from the last one an hour before." });
      assert.equal(await app.notifier.run(), 0, "within the hour: it waits");
      assert.equal((await app.event(third.id)).userNotice, "pending");
      app.clock.advance(49 * minute);
      assert.equal(await app.notifier.run(), 0, "59 minutes after the last mail: still waiting");
      app.clock.advance(minute);
      assert.equal(await app.notifier.run(), 1);
      assert.deepEqual(await app.subjects("alice"), ["New sign-in to your account from Lagos, Nigeria", "New sign-in to your account from Lagos, Nigeria"]);
      assert.equal((await app.event(third.id)).userNotice, "sent");
      assert.deepEqual(await app.subjects("carol"), [], "another account's Inbox is untouched");
    });

    it("does not wait when the interval is 0: each pass sends what is pending", async (t) => {
      const app = await alertsSetup(t, await open(t));
      const notifier = new LoginAlertNotifier({ store: app.store, clock: app.clock, flow: app.flow, hostname: "mx.example.com", settings: { mailIntervalMs: 0, webhookTimeoutMs: 5_000, webhookAttempts: 3, retentionMs: day } });
      await app.raise();
      assert.equal(await notifier.run(), 1);
      await app.raise();
      assert.equal(await notifier.run(), 1, "no waiting");
      assert.equal((await app.folder("alice")).length, 2);
    });

    it("leaves a mail the flow refuses pending, and still mails the other accounts", async (t) => {
      const app = await alertsSetup(t, await open(t));
      // Past the flow's 100 kB limit: the one refusal a test can cause without breaking the store.
      const huge = await app.raise({ summary: `New sign-in to alice@example.com ${"from somewhere far away ".repeat(5_000)}` });
      const carols = await app.raise({ userId: app.users.carol!.id, identity: "carol@example.com" });
      assert.equal(await app.notifier.run(), 1);
      assert.equal((await app.event(huge.id)).userNotice, "pending");
      assert.equal((await app.event(carols.id)).userNotice, "sent");
      assert.deepEqual(await app.folder("alice"), []);
      assert.equal(await app.notifier.run(), 0, "tried again, refused again");
      assert.equal((await app.event(huge.id)).userNotice, "pending");
    });

    it("skips the user's mail when they turned alert mails off; the domain admin is still told of a high event", async (t) => {
      const app = await alertsSetup(t, await open(t));
      await app.accounts.addUser({ address: "boss@example.com", password: "a-long-password-1", role: "domain_admin" });
      await app.loginSettings.updateAccount("alice@example.com", { loginAlertMails: false }, flowAdmin);
      const high = await app.raise({ rule: "impossible_travel", severity: "high", adminNotice: "pending", summary: "Sign-in to alice@example.com from Lagos, Nigeria, 5,000 km from the last one an hour before." });
      assert.equal(await app.notifier.run(), 1, "the admins' mail");
      const after = await app.event(high.id);
      assert.equal(after.userNotice, "skipped");
      assert.equal(after.adminNotice, "sent");
      assert.deepEqual(await app.folder("alice"), []);
      const boss = await app.store.users.findByAddress("boss@example.com" as never);
      const box = (await app.store.mailboxes.findByName(boss!.id, "INBOX"))!;
      const [row] = await app.store.messages.list(box.id);
      const mail = (await app.mailstore.read(row!.bodyHash))!.toString("utf8");
      assert.match(mail, /^Subject: Security alert for alice@example\.com: sign-in from Lagos, Nigeria\r$/m);
      assert.match(mail, /^To: <boss@example\.com>\r$/m);
      assert.match(mail, /^ {2}Account: +alice@example\.com\r$/m);
      assert.match(mail, /moat login-events --domain example\.com/);
      assert.equal(await app.notifier.run(), 0);
    });

    it("sends a high event to the install's admins when the domain has none, and skips it when there are none", async (t) => {
      const app = await alertsSetup(t, await open(t));
      const lonely = await app.raise({ severity: "high", rule: "unexpected_country", userNotice: "none", adminNotice: "pending" });
      assert.equal(await app.notifier.run(), 0);
      assert.equal((await app.event(lonely.id)).adminNotice, "skipped", "no admin anywhere");

      await app.accounts.addDomain("ops.example.net");
      const root = await app.accounts.addUser({ address: "root@ops.example.net", password: "a-long-password-1", role: "admin" });
      await app.accounts.addUser({ address: "plain@ops.example.net", password: "a-long-password-1" });
      const told = await app.raise({ severity: "high", rule: "unexpected_country", userNotice: "none", adminNotice: "pending" });
      assert.equal(await app.notifier.run(), 1);
      assert.equal((await app.event(told.id)).adminNotice, "sent");
      const box = (await app.store.mailboxes.findByName(root.id, "INBOX"))!;
      const [row, ...more] = await app.store.messages.list(box.id);
      assert.equal(more.length, 0);
      const mail = (await app.mailstore.read(row!.bodyHash))!.toString("utf8");
      assert.match(mail, /^From: Postmaster <postmaster@ops\.example\.net>\r$/m);
      assert.match(mail, /^High-severity login events in example\.com:\r$/m);
    });

    it("posts the events as signed JSON to the domain's webhook", async (t) => {
      const app = await alertsSetup(t, await open(t));
      const hook = await receiver(t, [204]);
      await app.loginSettings.updateDomain("example.com", { loginAlertWebhook: hook.url, loginAlertWebhookSecret: "s3cret" }, flowAdmin);
      const raised = await app.raise({ userNotice: "none", webhook: "pending" });
      assert.equal(await app.notifier.run(), 1);
      assert.equal(hook.received.length, 1);
      const [{ headers, body }] = hook.received as [Received];
      assert.equal(headers["content-type"], "application/json");
      assert.equal(headers["user-agent"], "Moat");
      assert.equal(headers["x-moat-signature"], `sha256=${crypto.createHmac("sha256", "s3cret").update(body).digest("hex")}`);
      assert.deepEqual(JSON.parse(body), {
        events: [
          {
            id: raised.id,
            rule: "unfamiliar_country",
            severity: "medium",
            account: "alice@example.com",
            domain: "example.com",
            ip: "41.58.0.1",
            summary: raised.summary,
            detail: raised.detail,
            firstAt: "2026-11-26T12:00:00.000Z",
            lastAt: "2026-11-26T12:00:00.000Z",
            occurrences: 1,
          },
        ],
      });
      assert.equal((await app.event(raised.id)).webhook, "sent");
      assert.equal(await app.notifier.run(), 0);
      assert.equal(hook.received.length, 1, "posted once");
    });

    it("retries the webhook after a 500, after a pause, and gives up after the attempts", async (t) => {
      const app = await alertsSetup(t, await open(t), 3);
      const flaky = await receiver(t, [500, 200]);
      await app.loginSettings.updateDomain("example.com", { loginAlertWebhook: flaky.url }, flowAdmin);
      const retried = await app.raise({ userNotice: "none", webhook: "pending" });
      assert.equal(await app.notifier.run(), 0);
      assert.deepEqual([(await app.event(retried.id)).webhook, (await app.event(retried.id)).webhookAttempts], ["pending", 1]);
      assert.equal(flaky.received[0]!.headers["x-moat-signature"], undefined, "no secret: unsigned");
      assert.equal(await app.notifier.run(), 0, "not again at once");
      assert.equal(flaky.received.length, 1);
      app.clock.advance(minute);
      assert.equal(await app.notifier.run(), 1);
      assert.equal((await app.event(retried.id)).webhook, "sent");
      assert.equal(flaky.received.length, 2);

      const down = await receiver(t, [500]);
      await app.loginSettings.updateDomain("example.com", { loginAlertWebhook: down.url }, flowAdmin);
      const lost = await app.raise({ userNotice: "none", webhook: "pending" });
      for (let i = 0; i < 6; i++) {
        await app.notifier.run();
        app.clock.advance(hour);
      }
      assert.equal(down.received.length, 3, "three attempts, then no more");
      assert.deepEqual([(await app.event(lost.id)).webhook, (await app.event(lost.id)).webhookAttempts], ["failed", 3]);
    });

    it("once started: prunes events past the retention, and a wake sends soon", async (t) => {
      const app = await alertsSetup(t, await open(t));
      const old = await app.raise({ userNotice: "none" });
      app.clock.advance(31 * day);
      app.notifier.start();
      await eventually(async () => (await app.store.loginEvents.get(old.id)) === undefined, () => "the old event pruned", 5_000);
      const fresh = await app.raise();
      app.notifier.wake();
      await eventually(async () => (await app.event(fresh.id)).userNotice === "sent", () => "the woken pass", 5_000);
      assert.equal((await app.folder("alice")).length, 1);
      await app.notifier.stop();
    });
  });
});
