// What the end-to-end mail tests share: reading a user's folder over IMAP with imapflow, a
// fresh PostgreSQL database for one `moat start`, and the `moat` command run in this process.
import crypto from "node:crypto";
import { ImapFlow } from "imapflow";
import pg from "pg";
import { runCli } from "../../src/cli/main.js";
import { pgUrl } from "./stores.js";

export interface StoredMessage {
  readonly source: string;
  readonly flags: ReadonlySet<string>;
}

/** Every message in the user's folder over IMAP (imapflow, plain on loopback), with its flags; [] when the folder does not exist. */
export async function readFolder(port: number, user: string, pass: string, box = "INBOX"): Promise<StoredMessage[]> {
  const client = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user, pass }, logger: false, doSTARTTLS: false });
  await client.connect();
  try {
    if (box !== "INBOX" && !(await client.list()).some((b) => b.path === box)) return [];
    const lock = await client.getMailboxLock(box);
    try {
      const out: StoredMessage[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch("1:*", { source: true, flags: true })) out.push({ source: m.source!.toString("utf8"), flags: m.flags ?? new Set() });
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** The `moat` command in this process (no Node start-up per call), on a running server's data folder. */
export async function cliInProcess(data: string, args: readonly string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["--data", data, ...args], { stdout: (t) => void (stdout += t), stdin: async () => stdin }, (t) => void (stderr += t));
  return { code, stdout, stderr };
}

/** A fresh PostgreSQL database for one `moat start`, dropped afterwards. */
export async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `moat_${label}_${process.pid}_${crypto.randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}
