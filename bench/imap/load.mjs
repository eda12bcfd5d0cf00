#!/usr/bin/env node
// bench/imap load generator: a minimal IMAP client on raw sockets (no library, so the client
// costs little and the same bytes go to every server). Not a test. One mode per run, one JSON
// line of results on stdout:
//   node load.mjs login  --port P --users u1,u2 --pass P --clients 10 --seconds 8
//   node load.mjs fetch  --port P --users u --pass P --what meta|body --seconds 8 [--window 100]
//   node load.mjs repeat --port P --users u --pass P --command 'UID SEARCH BODY "x"' --seconds 8
//   node load.mjs mixed  --port P --users u --pass P --clients 10 --seconds 8
//   node load.mjs idle   --port P --users u1,u2 --pass P --conns 1000   (holds until stdin closes)
//   node load.mjs append --port P --users u --pass P --mbox FILE [--limit N]
// Clients bind source addresses 127.0.0.2, .3 … (--sources N) so a per-address connection
// limit (Moat: 50, Dovecot: per user+address) measures the server, not the limit.
// login and mixed take --procs N: the clients split over N load processes, so one process's
// core is not what limits a fast server (every result carries loadCores: the CPU the load
// generator used per second of wall time, over all its processes).
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { splitMbox } from "./mbox.mjs";

const args = Object.fromEntries(
  process.argv.slice(3).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const mode = process.argv[2];
const port = Number(args.port);
const users = (args.users ?? "testuser1").split(",");
const pass = args.pass ?? "testpass";
const seconds = Number(args.seconds ?? 8);
const sources = Number(args.sources ?? 40);
const procs = Number(args.procs ?? 1);
/** This process's share of a --procs run: its first source address and user. */
const part = Number(args.part ?? 0);
let sourceNext = part * 7;

/** One IMAP connection: reads lines and literals, collects untagged responses per command. */
class Conn {
  constructor() {
    this.buf = Buffer.alloc(0);
    this.tag = 0;
    this.waiters = [];
    this.untagged = [];
    this.literalBytes = 0;
    this.pendingLiteral = 0;
    this.line = [];
    this.closed = false;
  }
  open() {
    const localAddress = `127.0.0.${2 + (sourceNext++ % sources)}`;
    return new Promise((resolve, reject) => {
      this.sock = net.connect({ host: "127.0.0.1", port, localAddress });
      this.sock.setNoDelay(true);
      this.sock.on("data", (d) => this.onData(d));
      this.sock.on("error", (e) => this.fail(e));
      this.sock.on("close", () => {
        this.closed = true;
        this.fail(new Error("closed"));
      });
      this.waiters.push({ tag: "*greeting*", resolve, reject, lines: [] });
    });
  }
  fail(e) {
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
  onData(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let pos = 0;
    for (;;) {
      if (this.pendingLiteral > 0) {
        const take = Math.min(this.pendingLiteral, this.buf.length - pos);
        this.pendingLiteral -= take;
        this.literalBytes += take;
        pos += take;
        if (this.pendingLiteral > 0) break;
        continue;
      }
      const nl = this.buf.indexOf(10, pos);
      if (nl < 0) break;
      const text = this.buf.toString("latin1", pos, nl + 1);
      pos = nl + 1;
      const m = /\{(\d+)\}\r\n$/.exec(text);
      this.line.push(text);
      if (m) {
        this.pendingLiteral = Number(m[1]);
        this.line.push(`<${m[1]}>`);
        if (this.pendingLiteral === 0) continue;
        continue;
      }
      this.onLine(this.line.join(""));
      this.line = [];
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
  onLine(line) {
    const w = this.waiters[0];
    if (!w) return;
    if (w.tag === "*greeting*") {
      this.waiters.shift();
      return line.startsWith("* OK") || line.startsWith("* PREAUTH") ? w.resolve(line) : w.reject(new Error(line.trim()));
    }
    if (line.startsWith("+") && w.onContinue) {
      const c = w.onContinue;
      w.onContinue = null;
      return c(line);
    }
    if (line.startsWith(w.tag + " ")) {
      this.waiters.shift();
      const status = line.slice(w.tag.length + 1, w.tag.length + 3);
      return status === "OK" ? w.resolve(w.lines) : w.reject(new Error(line.trim()));
    }
    w.lines.push(line);
  }
  /** Sends one command; resolves with its untagged lines when the tagged OK comes. */
  cmd(text, opts = {}) {
    const tag = `a${++this.tag}`;
    return new Promise((resolve, reject) => {
      const w = { tag, resolve, reject, lines: [], onContinue: opts.onContinue ?? null };
      this.waiters.push(w);
      this.sock.write(`${tag} ${text}\r\n`);
    });
  }
  write(data) {
    this.sock.write(data);
  }
  /** user, or user:password for a password of its own (Moat's client security passwords). */
  async login(user) {
    const colon = user.indexOf(":");
    await this.cmd(colon < 0 ? `LOGIN ${user} ${pass}` : `LOGIN ${user.slice(0, colon)} ${user.slice(colon + 1)}`);
  }
  async logout() {
    await this.cmd("LOGOUT").catch(() => undefined);
    this.sock.destroy();
  }
  destroy() {
    this.sock.destroy();
  }
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exists = (lines) => {
  for (const l of lines) {
    const m = /^\* (\d+) EXISTS/.exec(l);
    if (m) return Number(m[1]);
  }
  return -1;
};
/** FETCH responses carrying `item` (other sessions' flag changes arrive as FETCH too). */
const countFetch = (lines, item) => lines.reduce((n, l) => n + (/^\* \d+ FETCH /.test(l) && (!item || l.includes(item)) ? 1 : 0), 0);

async function forDuration(clients, body) {
  const end = now() + seconds * 1000;
  const lat = [];
  let ops = 0;
  let errors = 0;
  let firstError;
  const t0 = now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      do {
        const s = now();
        try {
          const done = await body(i); // not `ops += await …`: that adds to a stale ops
          ops += done;
          lat.push(now() - s);
        } catch (e) {
          errors++;
          firstError ??= String(e.message ?? e);
          await sleep(10);
        }
      } while (now() < end);
    }),
  );
  return { ops, secs: (now() - t0) / 1000, p50: pct(lat, 50), p99: pct(lat, 99), errors, firstError, ...(args.part !== undefined ? { lat } : {}) };
}

/**
 * --procs N: runs this mode in N child processes with the clients split between them, and
 * merges their results (ops and rates added, latency percentiles over every sample).
 */
async function inProcesses(clients) {
  const share = (i) => Math.floor(clients / procs) + (i < clients % procs ? 1 : 0);
  const rest = process.argv.slice(3).filter((_, i, all) => !["--procs", "--clients", "--part"].includes(all[i]) && !["--procs", "--clients", "--part"].includes(all[i - 1]));
  const results = await Promise.all(
    Array.from({ length: procs }, (_, i) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [new URL(import.meta.url).pathname, mode, ...rest, "--clients", String(share(i)), "--part", String(i)], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("exit", () => resolve(JSON.parse(out.trim().split("\n").at(-1) || '{"fatal":"no output"}')));
      }),
    ),
  );
  const fatal = results.find((r) => r.fatal);
  if (fatal) return fatal;
  const lat = results.flatMap((r) => r.lat);
  const sum = (k) => results.reduce((a, r) => a + (r[k] ?? 0), 0);
  const secs = Math.max(...results.map((r) => r.secs));
  return {
    ops: sum("ops"),
    secs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    errors: sum("errors"),
    firstError: results.find((r) => r.firstError)?.firstError,
    rate: sum("ops") / secs,
    wrong: sum("wrong"),
    firstWrong: results.find((r) => r.firstWrong)?.firstWrong,
    correct: results.every((r) => r.correct),
    loadCores: sum("loadCores"),
    procs,
  };
}

async function loginMode() {
  const clients = Number(args.clients ?? 10);
  if (procs > 1) return inProcesses(clients);
  let n = part;
  const r = await forDuration(clients, async () => {
    const c = new Conn();
    await c.open();
    await c.login(users[n++ % users.length]);
    await c.logout();
    return 1;
  });
  return { ...r, rate: r.ops / r.secs, correct: r.errors === 0 };
}

async function fetchMode() {
  const c = new Conn();
  await c.open();
  await c.login(users[0]);
  const total = exists(await c.cmd("SELECT INBOX"));
  const what = args.what ?? "meta";
  const window = Number(args.window ?? 100);
  // The sizes the server states are the yardstick of the body bytes it then sends.
  const sizes = new Map();
  for (const l of await c.cmd("FETCH 1:* (RFC822.SIZE)")) {
    const m = /^\* (\d+) FETCH \(.*RFC822\.SIZE (\d+)/.exec(l);
    if (m) sizes.set(Number(m[1]), Number(m[2]));
  }
  let wrong = 0;
  let next = 1;
  let bytes = 0;
  const r = await forDuration(1, async () => {
    if (what === "meta") {
      const lines = await c.cmd("FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)");
      const got = countFetch(lines, "BODYSTRUCTURE");
      if (got !== total || !lines.every((l) => !/^\* \d+ FETCH /.test(l) || /BODYSTRUCTURE \(/.test(l))) wrong++;
      return got;
    }
    const from = next;
    const to = Math.min(total, from + window - 1);
    next = to >= total ? 1 : to + 1;
    const before = c.literalBytes;
    const lines = await c.cmd(`FETCH ${from}:${to} (BODY.PEEK[])`);
    const got = countFetch(lines, "BODY[]");
    const b = c.literalBytes - before;
    let expect = 0;
    for (let i = from; i <= to; i++) expect += sizes.get(i) ?? NaN;
    if (got !== to - from + 1 || b !== expect) wrong++;
    bytes += b;
    return got;
  });
  await c.logout();
  return { ...r, rate: r.ops / r.secs, total, bytes, wrong, correct: wrong === 0 && r.errors === 0 && total > 0 };
}

/** One command again and again on one selected connection: SELECT (EXISTS must stay the
 * mailbox size) or SEARCH (the number of hits must stay the same; rounds.mjs compares servers). */
async function repeatMode() {
  const c = new Conn();
  await c.open();
  await c.login(users[0]);
  const total = exists(await c.cmd("SELECT INBOX"));
  const command = args.command;
  let hits;
  let wrong = 0;
  const r = await forDuration(1, async () => {
    const lines = await c.cmd(command);
    if (/^(SELECT|EXAMINE) /i.test(command)) {
      if (exists(lines) !== total) wrong++;
    } else {
      const line = lines.find((l) => /^\* SEARCH\b/.test(l));
      const n = line === undefined ? -1 : line.trim().split(/\s+/).length - 2;
      if (hits === undefined) hits = n;
      else if (n !== hits) wrong++;
    }
    return 1;
  });
  await c.logout();
  return { ...r, rate: r.ops / r.secs, total, hits, wrong, correct: wrong === 0 && r.errors === 0 && total > 0 && hits !== -1 };
}

async function mixedMode() {
  const clients = Number(args.clients ?? 10);
  if (procs > 1) return inProcesses(clients);
  const idleMs = Number(args.idle ?? 20);
  let wrong = 0;
  let firstWrong;
  let n = part;
  const r = await forDuration(clients, async () => {
    const c = new Conn();
    await c.open();
    await c.login(users[n++ % users.length]);
    const total = exists(await c.cmd("SELECT INBOX"));
    const from = Math.max(1, total - 49);
    const heads = await c.cmd(`FETCH ${from}:${total} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])`);
    if (countFetch(heads, "BODY[HEADER.FIELDS") !== total - from + 1) {
      wrong++;
      firstWrong ??= `headers of ${from}:${total}: ${countFetch(heads, "BODY[HEADER.FIELDS")} answers`;
    }
    const one = 1 + Math.floor(Math.random() * total);
    const before = c.literalBytes;
    const body = await c.cmd(`FETCH ${one} (BODY.PEEK[])`);
    if (countFetch(body, "BODY[]") !== 1 || c.literalBytes - before < 100) {
      wrong++;
      firstWrong ??= `body of ${one}: ${countFetch(body, "BODY[]")} answers, ${c.literalBytes - before} bytes`;
    }
    await c.cmd(`STORE ${one} +FLAGS.SILENT (\\Seen)`);
    await c.cmd("IDLE", {
      onContinue: () => setTimeout(() => c.write("DONE\r\n"), idleMs),
    });
    await c.logout();
    return 1;
  });
  return { ...r, rate: r.ops / r.secs, wrong, firstWrong, correct: wrong === 0 && r.errors === 0 };
}

async function idleMode() {
  const conns = Number(args.conns ?? 1000);
  const parallel = Number(args.parallel ?? 20);
  const open = [];
  let errors = 0;
  let firstError;
  let i = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (i < conns) {
        const k = i++;
        const c = new Conn();
        try {
          await c.open();
          await c.login(users[k % users.length]);
          if (exists(await c.cmd("SELECT INBOX")) < 0) throw new Error("SELECT without EXISTS");
          // IDLE: the server now holds a selected, waiting session.
          await new Promise((resolve, reject) => {
            const w = { tag: "*idle*", resolve, reject, lines: [], onContinue: resolve };
            c.waiters.push(w);
            c.sock.write(`i IDLE\r\n`);
          });
          c.waiters.length = 0;
          open.push(c);
        } catch (e) {
          errors++;
          firstError ??= String(e.message ?? e);
          c.destroy();
        }
      }
    }),
  );
  process.stdout.write(JSON.stringify({ ready: true, open: open.length, errors, firstError, secs: (now() - t0) / 1000 }) + "\n");
  await new Promise((r) => {
    process.stdin.on("end", r);
    process.stdin.on("close", r);
    process.stdin.resume();
  });
  const alive = open.filter((c) => !c.closed).length;
  for (const c of open) c.destroy();
  return { done: true, alive };
}

async function appendMode() {
  const raw = fs.readFileSync(args.mbox, "latin1");
  const messages = splitMbox(raw).slice(0, Number(args.limit ?? Infinity));
  let i = 0;
  let errors = 0;
  let firstError;
  const t0 = now();
  // One message at a time per connection keeps the mailbox order equal to the mbox order.
  const c = new Conn();
  await c.open();
  await c.login(users[0]);
  for (; i < messages.length; i++) {
    const m = messages[i];
    try {
      await c.cmd(`APPEND INBOX {${Buffer.byteLength(m, "latin1")}}`, { onContinue: () => c.write(Buffer.concat([Buffer.from(m, "latin1"), Buffer.from("\r\n")])) });
    } catch (e) {
      errors++;
      firstError ??= String(e.message ?? e);
    }
  }
  const total = exists(await c.cmd("SELECT INBOX"));
  await c.logout();
  return { appended: messages.length - errors, total, errors, firstError, secs: (now() - t0) / 1000 };
}

const modes = { login: loginMode, fetch: fetchMode, repeat: repeatMode, mixed: mixedMode, idle: idleMode, append: appendMode };
if (modes[mode]) {
  const wall0 = now();
  const cpu0 = process.cpuUsage();
  modes[mode]().then(
    (r) => {
      // The load generator's own CPU per second of wall time: near 1 per process, it is the limit.
      if (r.loadCores === undefined) {
        const cpu = process.cpuUsage(cpu0);
        r.loadCores = (cpu.user + cpu.system) / 1000 / (now() - wall0);
      }
      process.stdout.write(JSON.stringify(r) + "\n");
      process.exit(0);
    },
    (e) => {
      process.stdout.write(JSON.stringify({ fatal: String(e.message ?? e) }) + "\n");
      process.exit(1);
    },
  );
}
