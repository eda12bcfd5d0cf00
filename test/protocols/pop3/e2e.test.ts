// End to end through the real process (`moat start`, bin/moat.js → dist/): a message sent to
// the MX port is read over POP3 on the configured port with Python's poplib; `moat domain set`
// turns leave-on-server mode on for the running server; bad settings input exits 2.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { jsonLines, runMoat } from "../../support/cli.js";
import { startMoat, type MoatProcess } from "../../support/server.js";
import { tempDir } from "../../support/temp.js";
import { connectTcp, wire } from "../../support/wire.js";

const run = promisify(execFile);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "poplib_client.py");
const user = "pop@example.com";
const pw = "pop3 end to end password";

async function poplib(port: number, ...steps: string[]): Promise<unknown[]> {
  const { stdout } = await run("python3", [script, String(port), "plain", ...steps]);
  return JSON.parse(stdout) as unknown[];
}

/** One message to the MX listener, as the internet would send it. */
async function sendMail(port: number, subject: string): Promise<void> {
  const c = wire(await connectTcp(port));
  const lines = ["EHLO sender.example", "MAIL FROM:<bob@sender.example>", `RCPT TO:<${user}>`, "DATA", `Subject: ${subject}\r\nFrom: bob@sender.example\r\n\r\nHello POP3.\r\n.`, "QUIT"];
  for (const [i, line] of lines.entries()) {
    await c.until((text) => text.split("\r\n").filter((l) => /^\d{3} /.test(l)).length > i);
    await c.write(`${line}\r\n`);
  }
  await c.closed;
  assert.match(c.text, /\r\n250 2\.0\.0 /, c.text);
}

describe("POP3 in the real process", { timeout: 60_000 }, () => {
  let moat: MoatProcess;
  let data = "";
  before(async () => {
    const root = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
    data = path.join(root, "data");
    // No real DNS in tests: every name is NXDOMAIN (SPF/DKIM/DMARC of the sender find nothing).
    fs.writeFileSync(path.join(root, "zone.json"), JSON.stringify({ "*": "nxdomain" }));
    const env = { MOAT_DNS_ZONE_FILE: path.join(root, "zone.json") };
    assert.equal((await runMoat(["--data", data, "init", "--domain", "example.com"], { env })).code, 0);
    assert.equal((await runMoat(["--data", data, "user", "add", user, "--password", pw], { env })).code, 0);
    moat = await startMoat(data, env);
  });
  after(() => moat?.stop());

  it("serves the Inbox on the configured POP3 port, and leave-on-server mode set by the CLI keeps the message", async () => {
    await sendMail(moat.ports.smtp!, "via pop3");
    const shown = await runMoat(["--data", data, "--json", "domain", "show", "example.com"]);
    const { "pop3-leave-on-server": leave, "pop3-folder": folder } = jsonLines(shown.stdout)[0]!.settings as Record<string, string>; // other keys: login security (issue 6)
    assert.deepEqual([jsonLines(shown.stdout)[0]!.domain, leave, folder], ["example.com", "off", "INBOX"]);
    const set = await runMoat(["--data", data, "domain", "set", "example.com", "pop3-leave-on-server=on"]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /pop3-leave-on-server=on/);

    const first = await poplib(moat.ports.pop3!, `user:${user}`, `pass:${pw}`, "stat", "retr:1", "dele:1", "quit");
    assert.equal((first[3] as number[])[0], 1);
    assert.match((first[4] as { message: string }).message, /Subject: via pop3[\s\S]*Hello POP3\./);
    assert.match(first[6] as string, /marked as downloaded/);
    const second = await poplib(moat.ports.pop3!, `user:${user}`, `pass:${pw}`, "stat", "quit");
    assert.deepEqual(second[3], [0, 0], "the downloaded message is no longer in the maildrop");
  });

  it("refuses bad settings input with one line on stderr and exit code 2, changing nothing", async () => {
    for (const [args, message] of [
      [["example.com", "pop3-leave-on-server=maybe"], /^moat: pop3-leave-on-server: expected on or off, not 'maybe'\n$/],
      [["example.com", "pop3-folder=a%b"], /^moat: pop3-folder: 'a%b' is not a valid folder name\n$/],
      [["example.com", "colour=blue"], /^moat: unknown setting 'colour' \(known: pop3-leave-on-server, pop3-folder[^)]*\)\n$/],
      [["example.com", "pop3-folder"], /^moat: pop3-folder: expected pop3-folder=NAME\n$/],
      [["nowhere.example", "pop3-folder=INBOX"], /^moat: no domain nowhere\.example on this server\n$/],
      [["example.com", "pop3-folder=Archive", "pop3-leave-on-server=nope"], /^moat: pop3-leave-on-server: expected on or off, not 'nope'\n$/],
    ] as const) {
      const result = await runMoat(["--data", data, "domain", "set", ...args]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const shown = await runMoat(["--data", data, "--json", "domain", "show", "example.com"]);
    assert.equal((jsonLines(shown.stdout)[0]!.settings as Record<string, string>)["pop3-folder"], "INBOX", "the pair before a bad one was not applied");
  });
});
