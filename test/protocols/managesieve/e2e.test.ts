// ManageSieve (RFC 5804) against the real `moat start`, on SQLite and on PostgreSQL: a raw
// transcript of every command, literal forms, STARTTLS, AUTHENTICATE with and without an
// initial response, failed logins, compile errors and each kind of bad input; and the real
// client sieve-connect uploading, listing, activating, downloading and deleting a script,
// checked against `moat sieve`.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runMoat } from "../../support/cli.js";
import { eventually } from "../../support/eventually.js";
import { startMoat, type MoatProcess } from "../../support/server.js";
import { freshDatabase } from "../../support/mail-e2e.js";
import { pgSkip } from "../../support/stores.js";
import { tempDir } from "../../support/temp.js";
import { connectTcp, wire } from "../../support/wire.js";
import { connectLoopback, connectRemote, greeting, plain } from "./transcript.js";

const PW = "a-long-test-password-1";
const hasSieveConnect = spawnSync("sieve-connect", ["--help"]).error === undefined;
const script = 'require ["fileinto"];\r\nif header :contains "subject" "Rechnung" {\r\n  fileinto "Büro";\r\n}\r\n';
const literal = (text: string) => `{${Buffer.byteLength(text, "utf8")}+}\r\n${text}`;
const utf8 = (latin1: string) => Buffer.from(latin1, "latin1").toString("utf8");


for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`ManageSieve on ${dialect}`, { skip: dialect === "postgres" ? pgSkip : false, timeout: 180_000 }, () => {
    let moat: MoatProcess;
    let data = "";
    let dropDatabase: (() => Promise<void>) | undefined;
    const env: Record<string, string> = {
      MOAT_AUTH_FAILURE_DELAY_MS: "0",
      MOAT_TRUSTED_PROXIES: "127.0.0.2",
      // Short, so the inactivity test waits two seconds, not a minute.
      MOAT_MANAGESIEVE_LOGIN_TIMEOUT_SECONDS: "2",
    };
    const moatCli = async (...args: string[]) => {
      const r = await runMoat(["--data", data, ...args], { env });
      assert.equal(r.code, 0, `moat ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const port = () => moat.ports.managesieve!;
    const loggedIn = async (user: string) => {
      const t = await connectLoopback(port());
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain(user, PW)}"\r\n`, /^OK "Logged in"\r\n/);
      return t;
    };

    before(async () => {
      data = path.join(tempDir({ after: (fn: () => void) => process.on("exit", fn) }), "data");
      if (dialect === "postgres") {
        const db = await freshDatabase("managesieve");
        env.MOAT_DATABASE_URL = db.url;
        dropDatabase = db.drop;
      }
      await moatCli("init", "--domain", "example.com");
      for (const user of ["alice", "bob", "carol", "dave", "erin", "frank"]) await moatCli("user", "add", `${user}@example.com`, "--password", PW);
      moat = await startMoat(data, env);
    });

    after(async () => {
      await moat?.stop();
      await dropDatabase?.();
    });

    it("offers PLAIN off loopback only after STARTTLS, re-issues the capabilities over TLS, and logs in with a continuation", async () => {
      const { t, greeting: first } = await connectRemote(port());
      assert.match(first, /^"IMPLEMENTATION" "Moat"\r\n"SASL" ""\r\n"SIEVE" "[^"]*\bfileinto\b[^"]*\bvacation\b[^"]*"\r\n"STARTTLS"\r\n"MAXREDIRECTS" "5"\r\n"UNAUTHENTICATE"\r\n"VERSION" "1.0"\r\nOK /);
      // Refused before the credentials are looked at.
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain("alice@example.com", PW)}"\r\n`, /^NO \(ENCRYPT-NEEDED\) "Log in over TLS \(STARTTLS\) first"\r\n/);
      await t.cmd("LISTSCRIPTS\r\n", /^NO "LISTSCRIPTS needs a login first \(AUTHENTICATE\)"\r\n/);
      await t.startTls();
      const again = await t.expect(greeting);
      assert.match(again, /"SASL" "PLAIN"\r\n/);
      assert.doesNotMatch(again, /STARTTLS/);
      await t.cmd("STARTTLS\r\n", /^NO "STARTTLS is not available"\r\n/);
      // No initial response: an empty challenge, answered with a literal.
      await t.cmd('AUTHENTICATE "PLAIN"\r\n', /^""\r\n/);
      await t.cmd(`${literal(plain("alice@example.com", PW))}\r\n`, /^OK "Logged in"\r\n/);
      const caps = await t.cmd("CAPABILITY\r\n", greeting);
      assert.match(caps, /"OWNER" "alice@example.com"\r\n/);
      assert.match(caps, /"SASL" ""\r\n/);
      await t.cmd("LOGOUT\r\n", /^OK "Logout completed"\r\n/);
      await t.client.closed;
    });

    it("drops what a client pipelines after STARTTLS in the clear (CVE-2011-0411)", async () => {
      // From loopback, where the injected login would otherwise succeed.
      const t = await connectLoopback(port());
      await t.client.write(`STARTTLS\r\nAUTHENTICATE "PLAIN" "${plain("alice@example.com", PW)}"\r\n`);
      await t.expect(/^OK "Begin TLS negotiation now"\r\n/);
      await t.upgrade();
      await t.expect(greeting);
      await t.cmd("LISTSCRIPTS\r\n", /^NO "LISTSCRIPTS needs a login first/);
    });

    it("treats loopback as secure: PLAIN with an initial response, no TLS", async () => {
      const t = await connectLoopback(port());
      assert.match(t.client.text, /"SASL" "PLAIN"\r\n"SIEVE" "[^"]+"\r\n"STARTTLS"\r\n/);
      await t.cmd(`AUTHENTICATE "plain" {${plain("alice@example.com", PW).length}+}\r\n${plain("alice@example.com", PW)}\r\n`, /^OK "Logged in"\r\n/);
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain("alice@example.com", PW)}"\r\n`, /^NO "AUTHENTICATE is not allowed after login"\r\n/);
      await t.cmd("STARTTLS\r\n", /^NO "STARTTLS is not allowed after login"\r\n/);
    });

    it("answers a failed login with the IMAP listener's sentence, the same for an unknown account, and says BYE after three", async () => {
      // What the IMAP listener says to the same wrong password.
      const imap = wire(await connectTcp(moat.ports.imap!));
      await imap.until((text) => text.includes("\r\n"));
      await imap.write(`a1 LOGIN bob@example.com wrong-password\r\na2 LOGOUT\r\n`);
      await imap.closed;
      const imapText = /a1 NO \[AUTHENTICATIONFAILED\] (.*)\r\n/.exec(imap.text)![1]!;

      const t = await connectLoopback(port());
      const wrong = await t.cmd(`AUTHENTICATE "PLAIN" "${plain("bob@example.com", "wrong-password")}"\r\n`, /^NO "[^"]*"\r\n/);
      assert.equal(wrong, `NO "${imapText}"\r\n`);
      const unknown = await t.cmd(`AUTHENTICATE "PLAIN" "${plain("nobody@example.com", "wrong-password")}"\r\n`, /^NO "[^"]*"\r\n/);
      assert.equal(unknown, wrong, "an unknown account looks like a wrong password");
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain("bob@example.com", PW, "alice@example.com")}"\r\n`, /^NO "Authorization identity not permitted"\r\nBYE "Too many failed logins"\r\n/);
      await t.client.closed;
      // The admin sees where the attempt came from: the imap channel, named as ManageSieve.
      const record = await eventually(async () => {
        const rows = (await moatCli("--json", "logins", "bob@example.com")).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        return rows.find((r) => r.method === "ManageSieve AUTHENTICATE PLAIN");
      }, () => "a ManageSieve login record for bob");
      assert.equal(record.channel, "imap");
      assert.equal(record.clientId, "ManageSieve");
    });

    it("cancels with \"*\", refuses bad base64 and other mechanisms", async () => {
      const t = await connectLoopback(port());
      await t.cmd('AUTHENTICATE "PLAIN"\r\n', /^""\r\n/);
      await t.cmd('"*"\r\n', /^NO "Authentication cancelled"\r\n/);
      await t.cmd('AUTHENTICATE "PLAIN" "not base64!"\r\n', /^NO "Invalid base64 in the SASL response"\r\n/);
      await t.cmd('AUTHENTICATE "DIGEST-MD5"\r\n', /^NO "Unsupported authentication mechanism"\r\n/);
      await t.cmd("AUTHENTICATE PLAIN\r\n", /^NO "Syntax: AUTHENTICATE \\"PLAIN\\" \[\\"initial-response\\"\]"\r\n/);
    });

    it("logs in through the imap channel: the account's IMAP switch applies", async () => {
      await moatCli("user", "set", "erin@example.com", "--imap", "off");
      const t = await connectLoopback(port());
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain("erin@example.com", PW)}"\r\n`, /^NO "Email clients \(IMAP, POP3, SMTP\) are turned off for this account; use webmail or ask your administrator"\r\n/);
    });

    it("serves every script command with RFC 5804's response codes", async () => {
      const t = await loggedIn("alice@example.com");
      // {n+}, {n} and a quoted string all carry a script.
      await t.cmd(`PUTSCRIPT "Filter" ${literal(script)}\r\n`, /^OK "Putscript completed"\r\n/);
      await t.cmd(`PUTSCRIPT {4}\r\nkeep {6}\r\nkeep;\n\r\n`, /^OK "Putscript completed"\r\n/);
      await t.cmd('PUTSCRIPT "quoted" "discard;"\r\n', /^OK "Putscript completed"\r\n/);
      await t.cmd("LISTSCRIPTS\r\n", /^"Filter"\r\n"keep"\r\n"quoted"\r\nOK "Listscripts completed"\r\n/);
      await t.cmd('SETACTIVE "Filter"\r\n', /^OK "Setactive completed"\r\n/);
      await t.cmd("LISTSCRIPTS\r\n", /^"Filter" ACTIVE\r\n"keep"\r\n"quoted"\r\nOK /);
      const got = await t.cmd('GETSCRIPT "Filter"\r\n', /^\{\d+\}\r\n[\s\S]*?\r\nOK "Getscript completed"\r\n/);
      assert.equal(utf8(got), `{${Buffer.byteLength(script)}}\r\n${script}\r\nOK "Getscript completed"\r\n`);
      await t.cmd('GETSCRIPT "missing"\r\n', /^NO \(NONEXISTENT\) "There is no script by that name"\r\n/);
      await t.cmd('SETACTIVE "missing"\r\n', /^NO \(NONEXISTENT\) /);
      await t.cmd('HAVESPACE "new" 1000\r\n', /^OK "Putscript would succeed"\r\n/);
      await t.cmd('HAVESPACE "new" 70000\r\n', /^NO \(QUOTA\/MAXSIZE\) "A script may have at most 65536 octets"\r\n/);
      await t.cmd('HAVESPACE "new" x\r\n', /^NO "Syntax: HAVESPACE \\"name\\" size"\r\n/);
      await t.cmd(`CHECKSCRIPT ${literal(script)}\r\n`, /^OK "Script is valid"\r\n/);
      await t.cmd('CHECKSCRIPT "if true {"\r\n', /^NO "line 1, column \d+: [^"]+"\r\n/);
      await t.cmd('RENAMESCRIPT "keep" "quoted"\r\n', /^NO \(ALREADYEXISTS\) "A script named quoted exists already"\r\n/);
      await t.cmd('RENAMESCRIPT "missing" "x"\r\n', /^NO \(NONEXISTENT\) /);
      await t.cmd('RENAMESCRIPT "Filter" "Büro-Filter"\r\n', /^OK "Renamescript completed"\r\n/);
      await t.cmd('DELETESCRIPT "Büro-Filter"\r\n', /^NO \(ACTIVE\) "The active script cannot be deleted; deactivate it first"\r\n/);
      await t.cmd('DELETESCRIPT "missing"\r\n', /^NO \(NONEXISTENT\) /);
      await t.cmd('DELETESCRIPT "quoted"\r\n', /^OK "Deletescript completed"\r\n/);
      const listed = await t.cmd("LISTSCRIPTS\r\n", /^[\s\S]*?OK "Listscripts completed"\r\n/);
      assert.equal(utf8(listed), '"Büro-Filter" ACTIVE\r\n"keep"\r\nOK "Listscripts completed"\r\n');
      await t.cmd('SETACTIVE ""\r\n', /^OK "No script is active now"\r\n/);
      await t.cmd('DELETESCRIPT "Büro-Filter"\r\n', /^OK "Deletescript completed"\r\n/);
      await t.cmd('NOOP "abc"\r\n', /^OK \(TAG "abc"\) "Done"\r\n/);
      await t.cmd("NOOP\r\n", /^OK "Done"\r\n/);
      await t.cmd("UNAUTHENTICATE\r\n", /^OK "Logged out; log in again"\r\n/);
      await t.cmd("LISTSCRIPTS\r\n", /^NO "LISTSCRIPTS needs a login first \(AUTHENTICATE\)"\r\n/);
      await t.cmd(`AUTHENTICATE "PLAIN" "${plain("alice@example.com", PW)}"\r\n`, /^OK "Logged in"\r\n/);
      await t.cmd("LISTSCRIPTS\r\n", /^"keep"\r\nOK /);
      await t.cmd("LOGOUT\r\n", /^OK "Logout completed"\r\n/);
      await t.client.closed;
      // The same scripts through the `moat` command.
      assert.equal((await moatCli("sieve", "get", "alice@example.com", "keep")).trim(), "keep;");
    });

    it("answers a script that does not compile with NO and every problem's line and column, and stores nothing", async () => {
      const t = await loggedIn("frank@example.com");
      const bad = 'require ["fileinto"];\nif header :contains "subject" "x" {\n  fileinto "X"\n}\nfrobnicate;\n';
      const reply = await t.cmd(`PUTSCRIPT "bad" ${literal(bad)}\r\n`, /^NO (\{\d+\}\r\n[\s\S]*?|"[^"]*")\r\n/);
      assert.match(reply, /line \d+, column \d+: /);
      await t.cmd("LISTSCRIPTS\r\n", /^OK "Listscripts completed"\r\n/);
    });

    it("refuses a redirect outside the company where forwarding is off, with the service's sentence", async () => {
      await moatCli("user", "set", "dave@example.com", "--auto-forward", "off");
      const t = await loggedIn("dave@example.com");
      await t.cmd('PUTSCRIPT "fwd" "redirect \\"thief@outside.example\\";"\r\n', /^NO "script fwd: forwarding to thief@outside.example refused: automatic forwarding outside the company is disabled for dave@example.com"\r\n/);
      await t.cmd('PUTSCRIPT "inside" "redirect \\"bob@example.com\\";"\r\n', /^OK /);
    });

    it("refuses a script over the account's script count with QUOTA/MAXSCRIPTS", async () => {
      const t = await loggedIn("carol@example.com");
      let batch = "";
      for (let i = 1; i <= 20; i++) batch += `PUTSCRIPT "s${i}" "keep;"\r\n`;
      await t.client.write(batch);
      for (let i = 1; i <= 20; i++) await t.expect(/^OK "Putscript completed"\r\n/);
      await t.cmd('HAVESPACE "s21" 10\r\n', /^NO \(QUOTA\/MAXSCRIPTS\) /);
      await t.cmd('PUTSCRIPT "s21" "keep;"\r\n', /^NO \(QUOTA\/MAXSCRIPTS\) "An account may keep at most 20 scripts; delete one first"\r\n/);
      await t.cmd('PUTSCRIPT "s20" "discard;"\r\n', /^OK "Putscript completed"\r\n/);
    });

    it("answers bad input with NO and goes on: bad quoting, unknown commands, long lines, non-UTF-8 names", async () => {
      const t = await loggedIn("alice@example.com");
      await t.cmd('GETSCRIPT "unterminated\r\n', /^NO "Unterminated quoted string"\r\n/);
      await t.cmd('GETSCRIPT "bad \\x escape"\r\n', /^NO "Invalid escape in a quoted string"\r\n/);
      await t.cmd("FROB\r\n", /^NO "Unknown command FROB"\r\n/);
      await t.cmd('GETSCRIPT "a" "b"\r\n', /^NO "Syntax: GETSCRIPT \\"name\\""\r\n/);
      await t.cmd("GETSCRIPT atom\r\n", /^NO "Syntax: GETSCRIPT \\"name\\""\r\n/);
      await t.cmd(Buffer.concat([Buffer.from('GETSCRIPT "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\r\n')]), /^NO "Arguments must be UTF-8"\r\n/);
      await t.cmd(`NOOP "${"x".repeat(9000)}"\r\n`, /^NO "Line too long \(at most 8192 octets outside literals\)"\r\n/);
      // A too-long line ending in a literal: the literal is dropped too, not run as commands.
      await t.cmd(`NOOP ${"x".repeat(9000)} {13+}\r\nLISTSCRIPTS\r\n\r\n`, /^NO "Line too long/);
      await t.cmd("NOOP\r\n", /^OK "Done"\r\n/);
      assert.equal(t.unread, "");
    });

    it("refuses a script literal larger than the limit before reading it, drops it, and goes on", async () => {
      const t = await loggedIn("alice@example.com");
      await t.cmd('PUTSCRIPT "big" {70000+}\r\n', /^NO \(QUOTA\/MAXSIZE\) "Too large: at most \d+ octets"\r\n/);
      // The client sends it anyway (a non-synchronising literal); it is dropped, not executed.
      await t.client.write(`${"LOGOUT\r\n".repeat(8750)}\r\n`);
      await t.cmd('NOOP "after"\r\n', /^OK \(TAG "after"\) "Done"\r\n/);
      assert.equal(t.unread, "");
    });

    it("says BYE to a literal too large even to drop, to too many bad commands, and to silence before login", async () => {
      const huge = await loggedIn("alice@example.com");
      await huge.cmd('PUTSCRIPT "huge" {999999999999+}\r\n', /^BYE "Literal too large; closing"\r\n/);
      await huge.client.closed;

      const noisy = await connectLoopback(port());
      let junk = "";
      for (let i = 0; i < 10; i++) junk += "LISTSCRIPTS\r\n";
      await noisy.client.write(junk);
      for (let i = 0; i < 9; i++) await noisy.expect(/^NO "LISTSCRIPTS needs a login first \(AUTHENTICATE\)"\r\n/);
      await noisy.expect(/^NO "LISTSCRIPTS needs a login first \(AUTHENTICATE\)"\r\nBYE "Too many invalid commands"\r\n/);
      await noisy.client.closed;

      const silent = await connectLoopback(port());
      await silent.expect(/^BYE "Disconnected for inactivity"\r\n/);
      await silent.client.closed;
    });

    it("works with sieve-connect: upload, list, activate, download, delete, the same script `moat sieve` sees", { skip: hasSieveConnect || process.env.CI ? false : "sieve-connect is not installed (apt-get install sieve-connect)" }, async () => {
      const dir = tempDir({ after: (fn: () => void) => process.on("exit", fn) });
      const local = path.join(dir, "vacation.sieve");
      const text = 'require ["vacation"];\nvacation :days 7 :subject "Away" "Back next week.";\n';
      fs.writeFileSync(local, text);
      // The password goes on descriptor 3, as scripts give it; STARTTLS is sieve-connect's default.
      const sieveConnect = (...args: string[]) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const argv = ["-s", "127.0.0.1", "-p", String(port()), "-u", "bob@example.com", "--passwordfd", "3", "--notlsverify", ...args];
          const child = spawn("sieve-connect", argv, { stdio: ["ignore", "pipe", "pipe", "pipe"], timeout: 30_000 });
          let out = "";
          child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
          child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
          (child.stdio[3] as NodeJS.WritableStream).end(`${PW}\n`);
          child.on("close", (code) => resolve({ code, out }));
        });
      const upload = await sieveConnect("--upload", "--localsieve", local, "--remotesieve", "vacation");
      assert.equal(upload.code, 0, upload.out);
      assert.equal((await moatCli("sieve", "get", "bob@example.com", "vacation")).trimEnd(), text.trimEnd());
      const activate = await sieveConnect("--activate", "--remotesieve", "vacation");
      assert.equal(activate.code, 0, activate.out);
      const listed = await sieveConnect("--list");
      assert.match(listed.out, /"vacation" ACTIVE/);
      const rows = JSON.parse((await moatCli("--json", "sieve", "list", "bob@example.com")).trim()) as { name: string; active: boolean; size: number };
      assert.deepEqual({ name: rows.name, active: rows.active, size: rows.size }, { name: "vacation", active: true, size: Buffer.byteLength(text) });
      const downloaded = path.join(dir, "back.sieve");
      const download = await sieveConnect("--download", "--remotesieve", "vacation", "--localsieve", downloaded);
      assert.equal(download.code, 0, download.out);
      assert.equal(fs.readFileSync(downloaded, "utf8"), text);
      assert.notEqual((await sieveConnect("--delete", "--remotesieve", "vacation")).code, 0, "the active script cannot be deleted");
      assert.equal((await sieveConnect("--deactivate")).code, 0);
      assert.equal((await sieveConnect("--delete", "--remotesieve", "vacation")).code, 0);
      assert.equal((await moatCli("--json", "sieve", "list", "bob@example.com")).trim(), "");
      const bad = path.join(dir, "bad.sieve");
      fs.writeFileSync(bad, "if true {\n");
      const refused = await sieveConnect("--upload", "--localsieve", bad, "--remotesieve", "bad");
      assert.notEqual(refused.code, 0);
      assert.match(refused.out, /NO "line 1, column \d+: /);
    });
  });
}
