// Real clients against the real POP3 server and core, on SQLite and PostgreSQL: Python's
// poplib and fetchmail (delivering into files), with imapflow as the IMAP session that must
// see what POP3 did. Covers download, TOP, UIDL stability across sessions, DELE then QUIT
// versus a dropped connection, leave-on-server mode and the per-domain folder.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ImapFlow } from "imapflow";
import { downloadedKeyword, uidlOf } from "../../../src/core/maildrop/maildrop.js";
import { selfSignedCert, type CertPair } from "../../support/self-signed.js";
import { forEachDialect } from "../../support/stores.js";
import { tempDir } from "../../support/temp.js";
import { message, password, RawPop3, startTestPop3, users, type Pop3TestServer } from "./harness.js";

const run = promisify(execFile);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "poplib_client.py");

type Step = string | { error: string } | string[] | number[] | { resp: string; lines: string[] } | { resp: string; message: string; octets: number };

/** Runs poplib through `steps` (see poplib_client.py); returns what each step got. */
async function poplib(port: number, mode: "plain" | "stls" | "ssl", ...steps: string[]): Promise<Step[]> {
  const { stdout } = await run("python3", [script, String(port), mode, ...steps]);
  return JSON.parse(stdout) as Step[];
}

const login = [`user:${users.alice}`, `pass:${password}`];

async function inboxUids(server: Pop3TestServer): Promise<number[]> {
  return (await server.mailboxes.messages(server.aliceId, "INBOX")).map((m) => m.uid);
}

/** fetchmail with a temporary rcfile, every message delivered by its MDA into a file of its own. */
async function fetchmail(port: number, dir: string, keep: boolean): Promise<{ code: number; files: string[]; output: string }> {
  const out = path.join(dir, "mail");
  fs.mkdirSync(out, { recursive: true });
  const rc = path.join(dir, "fetchmailrc");
  fs.writeFileSync(
    rc,
    [
      "set no bouncemail",
      `poll 127.0.0.1 service ${port} protocol POP3 uidl`,
      `  user "${users.alice}" there with password "${password}" is "tester" here`,
      `  options ${keep ? "keep" : "nokeep"} no rewrite`,
      `  mda "sh -c 'cat > ${out}/msg.\\$\\$'"`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const args = ["-f", rc, "--idfile", path.join(dir, "fetchids"), "--pidfile", path.join(dir, "pid"), "-N", "--nosslcertck", "-v"];
  const env = { ...process.env, HOME: dir, FETCHMAILHOME: dir };
  const result = await run("fetchmail", args, { env }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
  );
  const files = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "latin1")).sort();
  for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f));
  return { ...result, files };
}

let cert: CertPair;
before(() => {
  cert = selfSignedCert({ after });
});

forEachDialect((dialect, open) => {
  describe(`poplib on ${dialect}`, () => {
    it("downloads every message with RETR and TOP, byte-exact, and sees the same UIDL in the next session", async (t) => {
      const server = await startTestPop3(t, { open });
      const bodies = [message("one", ".starts with a dot\r\nplain\r\n"), message("two"), message("three", "a\r\nb\r\nc\r\n")];
      for (const b of bodies) await server.deliver(b);
      const first = await poplib(server.port, "plain", ...login, "stat", "uidl", "retr:1", "retr:2", "retr:3", "top:3:1", "quit");
      assert.deepEqual(first[3], [3, bodies.join("").length]);
      const uidl = first[4] as { lines: string[] };
      const box = await server.mailboxes.get(server.aliceId, "INBOX");
      assert.deepEqual(uidl.lines, [1, 2, 3].map((n) => `${n} ${uidlOf(box.uidValidity, n)}`));
      for (let i = 0; i < 3; i++) {
        const got = first[5 + i] as { message: string; octets: number };
        // poplib strips the stuffing and the line ends; joined with CRLF it is the message again.
        assert.equal(`${got.message}\r\n`, bodies[i]);
      }
      assert.match((first[8] as { message: string }).message, /Subject: three[\s\S]*\r\n\r\na$/);
      const second = await poplib(server.port, "plain", ...login, "uidl", "quit");
      assert.deepEqual((second[3] as { lines: string[] }).lines, uidl.lines, "UIDL is stable across sessions");
    });

    it("removes DELE'd messages at QUIT, which an IMAP session sees as EXPUNGE; a dropped session removes nothing", async (t) => {
      const server = await startTestPop3(t, { open });
      for (const s of ["one", "two", "three"]) await server.deliver(message(s));
      const imap = new ImapFlow({ host: "127.0.0.1", port: server.imapPort, secure: false, auth: { user: users.alice, pass: password }, logger: false });
      await imap.connect();
      t.after(() => imap.logout().catch(() => {}));
      const lock = await imap.getMailboxLock("INBOX");
      t.after(() => lock.release());
      const expunged: number[] = [];
      imap.on("expunge", (e: { seq: number }) => expunged.push(e.seq));

      const dropped = await poplib(server.port, "plain", ...login, "dele:1", "dele:2", "drop");
      assert.equal(dropped.at(-1), "dropped");
      assert.deepEqual(await inboxUids(server), [1, 2, 3], "no UPDATE without QUIT (POP-03)");

      let result: Step[];
      do result = await poplib(server.port, "plain", ...login, "dele:1", "dele:3", "quit");
      while (JSON.stringify(result[2]).includes("IN-USE")); // until the server has seen the drop
      assert.match(result.at(-1) as string, /^\+OK .*2 messages deleted/);
      assert.deepEqual(await inboxUids(server), [2]);
      await imap.noop();
      assert.deepEqual(expunged, [1, 2], "the IMAP session was told: EXPUNGE 1 (UID 1), then EXPUNGE 2 (UID 3, renumbered)");
      const status = await imap.status("INBOX", { messages: true });
      assert.equal(status && status.messages, 1);
    });

    it("gives a second client [IN-USE] while the first holds the maildrop", async (t) => {
      const server = await startTestPop3(t, { open });
      await server.deliver(message("one"));
      const holder = await RawPop3.connect(server.port);
      assert.match(await holder.login(), /^\+OK/);
      const second = await poplib(server.port, "plain", ...login);
      assert.deepEqual(second[2], { error: "-ERR [IN-USE] Mailbox is locked by another POP3 session" });
    });

    it("in leave-on-server mode, marks downloaded messages instead of removing them and leaves them out of the next maildrop", async (t) => {
      const server = await startTestPop3(t, { open });
      await server.settings.update("example.com", { leaveOnServer: true });
      for (const s of ["one", "two"]) await server.deliver(message(s));
      const first = await poplib(server.port, "plain", ...login, "uidl", "dele:1", "quit");
      assert.match(first.at(-1) as string, /1 messages marked as downloaded/);
      const kept = await server.mailboxes.messages(server.aliceId, "INBOX");
      assert.deepEqual(kept.map((m) => [m.uid, m.flags.includes(downloadedKeyword)]), [[1, true], [2, false]], "still on the server, marked");
      const second = await poplib(server.port, "plain", ...login, "stat", "uidl", "quit");
      assert.equal((second[3] as number[])[0], 1);
      assert.deepEqual((second[4] as { lines: string[] }).lines, [`1 ${(first[3] as { lines: string[] }).lines[1]!.split(" ")[1]}`]);
    });

    it("shows the domain's POP3 folder instead of INBOX when set", async (t) => {
      const server = await startTestPop3(t, { open });
      await server.mailboxes.create(server.aliceId, "Downloads");
      await server.settings.update("example.com", { folder: "Downloads" });
      await server.deliver(message("inbox only"));
      await server.deliver(message("from downloads"), "Downloads");
      const got = await poplib(server.port, "plain", ...login, "stat", "retr:1", "quit");
      assert.equal((got[3] as number[])[0], 1);
      assert.match((got[4] as { message: string }).message, /Subject: from downloads/);
    });

    it("logs in over STLS and over implicit TLS", async (t) => {
      const server = await startTestPop3(t, { open, tls: cert });
      await server.deliver(message("one"));
      const viaStls = await poplib(server.port, "stls", ...login, "stat", "quit");
      assert.match(viaStls[1] as string, /^\+OK Begin TLS/);
      assert.deepEqual(viaStls[4], [1, message("one").length]);
      const implicit = await startTestPop3(t, { open, tls: cert, implicitTls: true });
      const viaTls = await poplib(implicit.port, "ssl", "capa", ...login, "quit");
      assert.ok((viaTls[1] as string[]).includes("USER") && !(viaTls[1] as string[]).includes("STLS"));
    });

    it("gets [AUTH] for a wrong password or unknown account and [AUTH] with the reason for a suspended one", async (t) => {
      const server = await startTestPop3(t, { open });
      const got = await poplib(server.port, "plain", `user:${users.alice}`, "pass:wrong password", "user:ghost@example.com", "pass:wrong password", `auth:${users.carol}:${password}`);
      assert.deepEqual(got[2], { error: "-ERR [AUTH] Authentication failed" });
      assert.deepEqual(got[4], { error: "-ERR [AUTH] Authentication failed" });
      assert.deepEqual(got[5], { error: "-ERR [AUTH] This account is suspended; contact your administrator" });
    });
  });

  describe(`fetchmail on ${dialect}`, () => {
    it("downloads into files, keeps and skips known UIDLs in keep mode, then deletes in nokeep mode", async (t) => {
      const server = await startTestPop3(t, { open });
      const bodies = [message("fm one", ".dot line\r\nbody\r\n"), message("fm two")];
      for (const b of bodies) await server.deliver(b);
      const dir = tempDir(t, "moat-fetchmail-");
      const kept = await fetchmail(server.port, dir, true);
      assert.equal(kept.code, 0, kept.output);
      assert.equal(kept.files.length, 2, kept.output);
      for (const f of kept.files) assert.ok(bodies.some((b) => f.replace(/\r?\n/g, "\r\n").endsWith(b.split("\r\n\r\n")[1]!)), f);
      assert.ok(kept.files.some((f) => f.includes("\n.dot line")), "byte-stuffing undone by the client");
      assert.deepEqual(await inboxUids(server), [1, 2]);

      const again = await fetchmail(server.port, dir, true);
      assert.equal(again.code, 1, `nothing new: the UIDLs were the same (${again.output})`);
      assert.equal(again.files.length, 0);

      await server.deliver(message("fm three"));
      const removed = await fetchmail(server.port, dir, false);
      assert.equal(removed.code, 0, removed.output);
      assert.equal(removed.files.length, 1, "only the new message is fetched");
      assert.match(removed.files[0]!, /Subject: fm three/);
      // fetchmail deletes what it fetched; messages it had seen stay until its "flush" option.
      assert.deepEqual(await inboxUids(server), [1, 2], "the fetched message was deleted at QUIT");
    });
  });
});
