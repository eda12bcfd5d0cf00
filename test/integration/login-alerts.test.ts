// Login alerts end to end (issue 8 items 2 and 3): the real `moat start` behind a PROXY-protocol
// relay on 127.0.0.1 (as in login-records.test.ts) presenting public client addresses. The user
// signs in over IMAP from Bracknell (GB), then from Lagos (NG) a moment later: a country the
// account has not used, thousands of kilometres away. The server's detector raises the events
// and its notifier mails the user; imapflow then finds the alert in the Inbox, naming Lagos,
// Nigeria, the address and IMAP. No learning period and no mail interval, so nothing waits.
// On SQLite and on a fresh PostgreSQL database.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import libmime from "libmime";
import { imapLoginText } from "../support/client-logins.js";
import { expectOk, runMoat } from "../support/cli.js";
import { eventually } from "../support/eventually.js";
import { freshDatabase, readFolder, type StoredMessage } from "../support/mail-e2e.js";
import { proxyRelay } from "../support/proxy-relay.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { pgSkip } from "../support/stores.js";
import { tempDir } from "../support/temp.js";

const PASSWORD = "ivy-password-1";

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`login alerts from a real server, read over IMAP, on ${dialect}`, { skip: dialect === "postgres" ? pgSkip : false }, () => {
    let data = "";
    let moat: MoatProcess | undefined;
    const closers: Array<() => void> = [];
    const env: Record<string, string> = { MOAT_TRUSTED_PROXIES: "127.0.0.1", MOAT_LOGIN_ALERTS_LEARNING_DAYS: "0", MOAT_LOGIN_ALERTS_MAIL_INTERVAL_MINUTES: "0" };
    let dropDatabase: (() => Promise<void>) | undefined;
    const cli = (...args: string[]) => runMoat(["--data", data, ...args], { env });
    /** A relay presenting `client` to the server's IMAP port (PROXY v1). */
    const relay = (client: string) => proxyRelay(moat!.ports.imap!, client, (fn) => closers.push(fn));

    before(async () => {
      data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
      if (dialect === "postgres") {
        const db = await freshDatabase("alerts");
        env.MOAT_DATABASE_URL = db.url;
        dropDatabase = db.drop;
      }
      expectOk(await cli("init", "--domain", "example.com"));
      expectOk(await cli("user", "add", "ivy@example.com", "--password", PASSWORD));
      moat = await startMoat(data, env);
    });
    after(async () => {
      for (const close of closers) close();
      await moat?.stop();
      await dropDatabase?.();
    });

    it("mails the user about a sign-in from Lagos after one from Bracknell", { timeout: 120_000 }, async () => {
      assert.equal(await imapLoginText(await relay("81.2.69.160"), "ivy@example.com", PASSWORD, "127.0.0.1", true), "ok");
      assert.equal(await imapLoginText(await relay("41.58.0.1"), "ivy@example.com", PASSWORD, "127.0.0.1", true), "ok");

      // The reader comes through a relay too (the server wants a PROXY header from 127.0.0.1), as loopback: no TLS needed, no place.
      const reader = await relay("127.0.0.1");
      const names = (m: StoredMessage) => m.source.includes("Lagos, Nigeria");
      const alert = await eventually(
        async () => (await readFolder(reader, "ivy@example.com", PASSWORD)).find(names),
        () => "an alert mail naming Lagos, Nigeria in ivy's Inbox",
        30_000,
      );
      const subject = libmime.decodeWords(/^Subject: (.*)\r$/m.exec(alert.source)?.[1] ?? "");
      assert.match(subject, /^(New sign-in to your account from Lagos, Nigeria|\d+ security alerts for your account)$/);
      assert.match(alert.source, /^From: Postmaster <postmaster@example\.com>\r$/m);
      assert.match(alert.source, /^Auto-Submitted: auto-generated\r$/m);
      const body = alert.source.slice(alert.source.indexOf("\r\n\r\n"));
      assert.match(body, /41\.58\.0\.1/);
      assert.match(body, /\bIMAP\b/);
      assert.match(body, /If this wasn't you: change your password/);
    });
  });
}
