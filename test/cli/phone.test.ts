// The bound-phone forms of the real `moat` command (issue 6, item 6) on a temporary data
// folder: phone bind → sms outbox (the log sender) → phone confirm → phone show → phone
// remove, each audited; bad input exits 2 with one line and writes nothing; and
// `password-policy set … max-age-days=N` telling an account already past the age at once,
// with the notice in its Inbox; and `moat start` sending the reminders by itself, read over IMAP.
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { openMoat } from "../../src/app.js";
import { loadSettings } from "../../src/config/load.js";
import { createLogger } from "../../src/shared/logger.js";
import { ImapFlow } from "imapflow";
import { expectBadInput as badInput, expectOk as ok, jsonLines, runMoat } from "../support/cli.js";
import { eventually } from "../support/eventually.js";
import { folderMessages } from "../support/mailboxes.js";
import { startMoat } from "../support/server.js";
import { tempDir } from "../support/temp.js";

let data = "";
const moat = (...args: string[]) => runMoat(["--data", data, ...args]);
const NUMBER = "+4915112345678";
const day = 86_400_000;

/** Sets the time an account's password was last changed, as the server core would have. */
async function passwordChangedDaysAgo(address: string, days: number): Promise<void> {
  const app = await openMoat(loadSettings({ dataDir: data, env: {} }), createLogger({ level: "silent", pretty: false }));
  try {
    const user = (await app.store.users.findByAddress(address as never))!;
    await app.store.users.setPassword(user.id, user.passwordHash, Date.now() - days * day, false);
  } finally {
    await app.close();
  }
}

/** The subjects in the account's INBOX, over IMAP. */
async function imapSubjects(port: number, user: string, pass: string): Promise<string[]> {
  const client = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user, pass }, logger: false, doSTARTTLS: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock("INBOX");
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

describe("moat phone and sms commands", () => {
  before(async () => {
    data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
    ok(await moat("init", "--domain", "example.com"));
    ok(await moat("user", "add", "alice@example.com", "--password", "alice-password-1"));
  });

  it("binds a phone with the code from the outbox, shows it, and removes it, all audited", async () => {
    assert.match(ok(await moat("phone", "show", "alice@example.com")).stdout, /^alice@example\.com: no bound phone$/m);
    badInput(await moat("phone", "bind", "alice@example.com", "0151 12345678"), /^moat: .*international form/);
    badInput(await moat("phone", "bind", "nobody@example.com", NUMBER), /^moat: no user nobody@example\.com/);
    const sent = ok(await moat("phone", "bind", "alice@example.com", "+49 151 1234 5678"));
    assert.match(sent.stdout, /a code was sent to \+4915112345678 \(log sender: see moat sms outbox\)/);
    const outbox = jsonLines(ok(await moat("--json", "sms", "outbox")).stdout);
    assert.equal(outbox.length, 1);
    assert.deepEqual([outbox[0]!.to, outbox[0]!.purpose], [NUMBER, "bind"]);
    const code = /is (\d{6})\./.exec(String(outbox[0]!.text))![1]!;
    assert.match(ok(await moat("sms", "outbox", "--to", NUMBER)).stdout, /^TIME +TO +PURPOSE +TEXT\n.*\+4915112345678 +bind +Your code/);
    badInput(await moat("phone", "confirm", "alice@example.com", code === "000000" ? "000001" : "000000"), /^moat: the code is wrong, used or expired/);
    assert.deepEqual(jsonLines(ok(await moat("--json", "phone", "show", "alice@example.com")).stdout)[0]!.number, null, "a wrong code binds nothing");
    ok(await moat("phone", "confirm", "alice@example.com", code));
    const shown = jsonLines(ok(await moat("--json", "phone", "show", "alice@example.com")).stdout)[0]!;
    assert.equal(shown.number, NUMBER);
    badInput(await moat("phone", "bind", "alice@example.com", "+14155550100"), /already has a bound phone/);
    assert.match(ok(await moat("phone", "remove", "alice@example.com")).stdout, /removed \+4915112345678 from alice@example\.com/);
    badInput(await moat("phone", "remove", "alice@example.com"), /has no bound phone/);
    const audit = jsonLines(ok(await moat("--json", "audit", "list")).stdout).map((e) => e.action);
    assert.ok(audit.includes("phone.bind") && audit.includes("phone.remove"), JSON.stringify(audit));
  });

  it("switching the maximum age on tells an account already past it, in its Inbox", async () => {
    await passwordChangedDaysAgo("alice@example.com", 100);
    ok(await moat("password-policy", "set", "example.com", "enforce=on", "max-age-days=90"));
    const inbox = await folderMessages(data, "alice@example.com");
    assert.equal(inbox.length, 1);
    assert.match(inbox[0]!, /^Subject: Your password has expired\r$/m);
    assert.match(inbox[0]!, /^From: Postmaster <postmaster@example\.com>\r$/m);
    ok(await moat("password-policy", "set", "example.com", "max-age-days=80"));
    assert.equal((await folderMessages(data, "alice@example.com")).length, 1, "told once");
  });

  it("moat start sends the reminders by itself; the user reads them over IMAP", { timeout: 120_000 }, async () => {
    const password = "Vq7#mZ2!rT9xLp4k-river";
    ok(await moat("user", "add", "bob@example.com", "--password", password));
    await passwordChangedDaysAgo("bob@example.com", 77); // 80-day maximum: 3 days left
    const server = await startMoat(data);
    try {
      const subjects = await eventually(async () => {
        const found = await imapSubjects(server.ports.imap!, "bob@example.com", password);
        return found.length > 0 && found;
      }, () => "the reminder in bob's INBOX");
      assert.deepEqual(subjects, ["Your password expires in 3 days"]);
    } finally {
      await server.stop();
    }
  });
});
