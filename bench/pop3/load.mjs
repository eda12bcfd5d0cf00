// POP3 load generator for bench/pop3/run.sh (not a test). Plain TCP on loopback, one small
// client per connection, pipelining nothing: each command waits for its reply, as mail clients do.
//   node load.mjs download --port P --users a,b,… --pass W
//     one client per user, in parallel: login, LIST, RETR every message, QUIT (no DELE).
//   node load.mjs sessions --port P --users a,b,… --pass W --seconds S
//     one client per user, in a loop: connect, login, STAT, UIDL, RETR 1..5, QUIT.
//   --users may give each user its own password as user:password (client security passwords).
//   --cpu-pids P1,P2: server processes whose CPU (with their children's, from /proc) the run used:
//     cpuUsPerOp in the output is that CPU per message (download) or per session.
// Prints one JSON line: counts, seconds and rates.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { cpuSeconds } from "../imap/proc.mjs";

const [mode, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, "")] = rest[i + 1];
const port = Number(args.port);
const pass = args.pass ?? "testpass";
const users = String(args.users).split(",");
/** "user:password" → its own password; a bare name uses --pass. */
const credentials = (entry) => {
  const colon = entry.indexOf(":");
  return colon < 0 ? { name: entry, password: pass } : { name: entry.slice(0, colon), password: entry.slice(colon + 1) };
};
const seconds = Number(args.seconds ?? 8);
const cpuPids = args["cpu-pids"] ? String(args["cpu-pids"]).split(",").map(Number) : [];
const cpu0 = cpuPids.length > 0 ? cpuSeconds(cpuPids) : 0;
const cpuPerOp = (ops) => (cpuPids.length > 0 && ops > 0 ? Math.round(((cpuSeconds(cpuPids) - cpu0) * 1e6) / ops) : undefined);

class Client {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.waiter = null;
    socket.on("data", (chunk) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    socket.on("error", () => {});
  }

  static connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(new Client(socket)));
      socket.once("error", reject);
    });
  }

  /** The next reply: one line, or (multi) up to CRLF.CRLF when it starts with +OK. */
  async reply(multi) {
    for (;;) {
      const eol = this.buffer.indexOf("\r\n");
      if (eol >= 0) {
        const ok = this.buffer[0] === 0x2b;
        let end = eol + 2;
        if (multi && ok) {
          const dot = this.buffer.indexOf("\r\n.\r\n", eol);
          end = dot < 0 ? -1 : dot + 5;
        }
        if (end > 0) {
          const out = this.buffer.subarray(0, end);
          this.buffer = this.buffer.subarray(end);
          if (!ok) throw new Error(`server said ${out.toString("latin1").trim()}`);
          return out;
        }
      }
      await new Promise((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  async cmd(line, multi = false) {
    this.socket.write(`${line}\r\n`);
    return this.reply(multi);
  }

  async login(user) {
    const { name, password } = credentials(user);
    await this.reply(false); // greeting
    await this.cmd(`USER ${name}`);
    await this.cmd(`PASS ${password}`);
  }

  async quit() {
    await this.cmd("QUIT");
    this.socket.end();
  }
}

async function download(user) {
  const c = await Client.connect();
  await c.login(user);
  const list = (await c.cmd("LIST", true)).toString("latin1").split("\r\n").slice(1, -2);
  let bytes = 0;
  for (const line of list) bytes += (await c.cmd(`RETR ${line.split(" ")[0]}`, true)).length;
  await c.quit();
  return { messages: list.length, bytes };
}

async function oneSession(user) {
  const c = await Client.connect();
  await c.login(user);
  const count = Number((await c.cmd("STAT")).toString("latin1").split(" ")[1]);
  await c.cmd("UIDL", true);
  for (let n = 1; n <= Math.min(5, count); n++) await c.cmd(`RETR ${n}`, true);
  await c.quit();
}

const t0 = performance.now();
if (mode === "download") {
  const results = await Promise.all(users.map(download));
  const secs = (performance.now() - t0) / 1000;
  const messages = results.reduce((s, r) => s + r.messages, 0);
  const bytes = results.reduce((s, r) => s + r.bytes, 0);
  console.log(JSON.stringify({ mode, clients: users.length, messages, bytes, seconds: secs, perSecond: messages / secs, cpuUsPerOp: cpuPerOp(messages) }));
} else if (mode === "sessions") {
  const deadline = t0 + seconds * 1000;
  let sessions = 0;
  await Promise.all(
    users.map(async (user) => {
      while (performance.now() < deadline) {
        await oneSession(user);
        sessions++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ mode, clients: users.length, sessions, seconds: secs, perSecond: sessions / secs, cpuUsPerOp: cpuPerOp(sessions) }));
} else {
  console.error("usage: load.mjs download|sessions --port P --users a,b --pass W [--seconds S]");
  process.exit(2);
}
