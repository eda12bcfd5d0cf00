#!/usr/bin/env node
// bench/imap rounds: runs each workload of load.mjs against Moat, Dovecot (default process mode)
// and Dovecot (high-performance mode) in turn, round after round, and prints the medians with
// server CPU per operation and the ratios. Called by run.sh once the servers hold the mailboxes.
// Server CPU is read from /proc/<pid>/stat (utime+stime, plus cutime+cstime of exited children)
// over the server's whole process tree; memory is the RSS and PSS (smaps_rollup) of that tree.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cpuSeconds, procTree } from "./proc.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const env = process.env;
const rounds = Number(env.ROUNDS ?? 2);
const secs = Number(env.SECS ?? 5);
const idleConns = Number(env.IDLE_CONNS ?? 1000);
const big = Number(env.BIG ?? 10000);
const tick = Number(env.CLK_TCK ?? 100);
const only = env.ONLY ? new Set(env.ONLY.split(",")) : null;
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const list = (prefix, ns) => ns.map((n) => `${prefix}${n}@example.com`).join(",");
/** The client security passwords run.sh made ("user:secret,…"), for testuser n of ns. */
const appUsers = (ns) => {
  if (!env.MOAT_APP_USERS) return undefined;
  const of = new Map(env.MOAT_APP_USERS.split(",").map((e) => [e.slice(0, e.indexOf(":")), e]));
  return ns.map((n) => of.get(`testuser${n}@example.com`)).join(",");
};

const servers = [
  { name: "moat", label: "Moat", port: Number(env.MOAT_PORT), pids: () => [Number(env.MOAT_PID)] },
  { name: "dovecot", label: "Dovecot", port: 10143 + Number(env.PEER_PORT_OFFSET ?? 0), pids: () => [masterPid("dovecot")] },
  { name: "dovecot-hp", label: "Dovecot HP", port: 20143 + Number(env.PEER_PORT_OFFSET ?? 0), pids: () => [masterPid("dovecot-hp")] },
];
function masterPid(name) {
  return Number(fs.readFileSync(path.join(env.PERF, name, "run", "master.pid"), "utf8").trim());
}

// name, what is counted, load.mjs arguments (users may differ per server: Dovecot's argon2id row)
const tests = [
  { id: "login10", title: "LOGIN+LOGOUT, 10 clients", unit: "logins/s", args: ["login", "--clients", "10"], users: list("testuser", range(1, 15)) },
  { id: "login50", title: "LOGIN+LOGOUT, 50 clients", unit: "logins/s", args: ["login", "--clients", "50"], users: list("testuser", range(1, 15)) },
  {
    id: "login10argon",
    title: "LOGIN+LOGOUT, 10 clients, Dovecot with Moat's argon2id hash",
    unit: "logins/s",
    args: ["login", "--clients", "10"],
    users: list("testuser", range(1, 15)),
    dovecotUsers: list("argonuser", range(1, 15)),
  },
  {
    id: "login50argon",
    title: "LOGIN+LOGOUT, 50 clients, Dovecot with Moat's argon2id hash",
    unit: "logins/s",
    args: ["login", "--clients", "50"],
    users: list("testuser", range(1, 15)),
    dovecotUsers: list("argonuser", range(1, 15)),
  },
  {
    // What Moat asks mail clients to use: a server-made high-entropy secret, checked with a keyed
    // hash (decision 0010), against the same plain-password Dovecot as the first rows.
    id: "login50app",
    title: "LOGIN+LOGOUT, 50 clients, Moat with client security passwords",
    unit: "logins/s",
    args: ["login", "--clients", "50"],
    users: appUsers(range(1, 15)) ?? list("testuser", range(1, 15)),
    dovecotUsers: list("testuser", range(1, 15)),
  },
  { id: "meta200", title: "FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE), 200 messages", unit: "msgs/s", args: ["fetch", "--what", "meta"], users: list("testuser", [2]) },
  { id: "body200", title: "FETCH BODY.PEEK[] (100 per command), 200 messages", unit: "msgs/s", args: ["fetch", "--what", "body"], users: list("testuser", [2]) },
  { id: "metaBig", title: `FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE), ${big} messages`, unit: "msgs/s", args: ["fetch", "--what", "meta"], users: list("testuser", [3]) },
  { id: "bodyBig", title: `FETCH BODY.PEEK[] (100 per command), ${big} messages`, unit: "msgs/s", args: ["fetch", "--what", "body"], users: list("testuser", [3]) },
  { id: "selectBig", title: `SELECT INBOX again and again, ${big} messages`, unit: "SELECTs/s", args: ["repeat", "--command", "SELECT INBOX"], users: list("testuser", [3]) },
  { id: "searchHeader", title: `UID SEARCH HEADER SUBJECT "invoice", ${big} messages`, unit: "searches/s", args: ["repeat", "--command", 'UID SEARCH HEADER SUBJECT "invoice"'], users: list("testuser", [3]) },
  { id: "searchBody", title: `UID SEARCH BODY "invoice project deadline", ${big} messages`, unit: "searches/s", args: ["repeat", "--command", 'UID SEARCH BODY "invoice project deadline"'], users: list("testuser", [3]) },
  { id: "mixed10", title: "mixed session, 10 clients (LOGIN, SELECT, 50 headers, 1 body, STORE, IDLE 20 ms, LOGOUT)", unit: "sessions/s", args: ["mixed", "--clients", "10"], users: list("testuser", range(4, 15)) },
  {
    // The same session with the password Moat asks mail clients to use (as login50app): what
    // remains is the session's own cost, not argon2id's.
    id: "mixed10app",
    title: "mixed session, 10 clients, Moat with client security passwords",
    unit: "sessions/s",
    args: ["mixed", "--clients", "10"],
    users: appUsers(range(4, 15)) ?? list("testuser", range(4, 15)),
    dovecotUsers: list("testuser", range(4, 15)),
  },
].filter((t) => !only || only.has(t.id));
// LOAD_PROCS=N: the login and mixed clients split over N load processes (load.mjs --procs), so
// the load generator's one core is not what limits the fastest server.
const loadProcs = Number(env.LOAD_PROCS ?? 1);
if (loadProcs > 1) for (const t of tests) if (t.args[0] === "login" || t.args[0] === "mixed") t.args.push("--procs", String(loadProcs));

/** CPU seconds of a server's process tree (proc.mjs). */
const serverCpu = (server) => cpuSeconds(server.pids(), tick);
function memory(server) {
  let rss = 0;
  let pss = 0;
  let procs = 0;
  for (const pid of server.pids().flatMap(procTree)) {
    try {
      const roll = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      procs++;
    } catch {
      // exited
    }
  }
  return { rssKiB: rss, pssKiB: pss, procs };
}

function load(args, { stdin = "ignore", onLine } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "load.mjs"), ...args], { stdio: [stdin, "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        onLine?.(JSON.parse(line), child);
        child.last = JSON.parse(line);
      }
    });
    child.on("error", reject);
    child.on("exit", () => resolve(child.last ?? { fatal: "no output" }));
  });
}

const results = {}; // results[test][server] = [{rate, p99, cpu, correct}]
const record = (test, server, r) => ((results[test] ??= {})[server] ??= []).push(r);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runTest(t, s) {
  const users = s.name !== "moat" && t.dovecotUsers ? t.dovecotUsers : t.users;
  const before = serverCpu(s);
  const r = await load([...t.args, "--port", String(s.port), "--users", users, "--pass", env.PASS ?? "testpass", "--seconds", String(secs)]);
  await sleep(300); // let exiting Dovecot processes be reaped into the master's cutime
  const cpu = serverCpu(s) - before;
  const row = { hits: r.hits, rate: r.rate, p50: r.p50, p99: r.p99, cpuUs: r.ops ? (cpu * 1e6) / r.ops : NaN, correct: !!r.correct, ops: r.ops, errors: r.errors, loadCores: r.loadCores, note: r.firstError ?? r.firstWrong ?? r.fatal };
  record(t.id, s.name, row);
  // loadCores: the load generator's CPU per second (all its processes); near 1 per process, it is the limit.
  process.stderr.write(`  ${t.id} ${s.name}: ${r.rate?.toFixed(1)} ${t.unit}, p99 ${r.p99?.toFixed(1)} ms, ${row.cpuUs.toFixed(0)} µs CPU/op, server ${((cpu / (r.secs ?? secs)) * 100).toFixed(0)}% of a core, load generator ${((r.loadCores ?? NaN) * 100).toFixed(0)}% (${loadProcs} process${loadProcs > 1 ? "es" : ""}), correct ${row.correct}${row.note ? ` (${row.note})` : ""}\n`);
}

async function runIdle(s) {
  await sleep(1000);
  const before = memory(s);
  let ready;
  const users = list("testuser", range(4, 15));
  const r = await load(["idle", "--port", String(s.port), "--users", users, "--conns", String(idleConns)], {
    stdin: "pipe",
    onLine: async (line, child) => {
      if (!line.ready) return;
      await sleep(2000);
      ready = { ...line, mem: memory(s) };
      child.stdin.end();
    },
  });
  const after = ready.mem;
  const row = {
    open: ready.open,
    alive: r.alive,
    rssKiB: (after.rssKiB - before.rssKiB) / Math.max(1, ready.open),
    pssKiB: (after.pssKiB - before.pssKiB) / Math.max(1, ready.open),
    procs: after.procs,
    correct: ready.open === idleConns && r.alive === ready.open,
    note: ready.firstError,
  };
  record("idle", s.name, row);
  process.stderr.write(`  idle ${s.name}: ${ready.open} open (${r.alive} still open at the end), +${row.rssKiB.toFixed(0)} KiB RSS, +${row.pssKiB.toFixed(0)} KiB PSS per connection, ${after.procs} processes${row.note ? ` (${row.note})` : ""}\n`);
}

// PHASE=work runs the timed workloads; PHASE=idle one round of idle connections (run.sh
// restarts Moat and both Dovecots before each, so every figure is a fresh server's growth: a
// Node process that served FETCHes of 10,000 messages has free heap that new sessions fill
// unseen, and Dovecot HP reuses the imap processes of an earlier round); PHASE=report prints
// the table of both.
const phase = env.PHASE ?? "all";
const resultsName = env.RESULTS_NAME ?? "imap-results"; // bench/auth keeps its own
const saved = path.join(env.PERF, `${resultsName}.json`);
if (phase === "idle" || phase === "report") Object.assign(results, JSON.parse(fs.readFileSync(saved, "utf8")));
if (phase === "work" || phase === "all") {
  for (let round = 1; round <= rounds; round++) {
    for (const t of tests) {
      process.stderr.write(`round ${round}: ${t.title}\n`);
      for (const s of servers) await runTest(t, s);
      // A search is right when Moat finds what Dovecot finds (both follow RFC 3501's substring rule).
      const [m, d] = ["moat", "dovecot"].map((n) => results[t.id][n].at(-1));
      if (m.hits !== undefined && m.hits !== d.hits) Object.assign(m, { correct: false, note: `${m.hits} hits, Dovecot ${d.hits}` });
    }
  }
}
if ((phase === "idle" || phase === "all") && (!only || only.has("idle"))) {
  process.stderr.write(`idle: ${idleConns} idle connections\n`);
  for (const s of servers) await runIdle(s);
}
fs.writeFileSync(saved, JSON.stringify(results, null, 1));
if (phase === "work" || phase === "idle") process.exit(0);

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (!Number.isFinite(x) ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const lines = [];
lines.push(`${rounds} rounds of ${secs} s per workload and server (idle: ${results.idle?.moat?.length ?? 0} rounds, each on freshly started servers), interleaved; medians. Ratios are Moat / Dovecot: above 1 is better for Moat in rates, below 1 is better for Moat in latency, CPU and memory.`, "");
lines.push("| workload | metric | Moat | Dovecot | Dovecot HP | Moat / Dovecot | Moat / Dovecot HP |", "|---|---|---|---|---|---|---|");
const row = (title, metric, get, test) => {
  const v = servers.map((s) => median((results[test]?.[s.name] ?? []).map(get)));
  lines.push(`| ${title} | ${metric} | ${v.map(fmt).join(" | ")} | ${fmt(v[0] / v[1])} | ${fmt(v[0] / v[2])} |`);
};
for (const t of tests) {
  row(t.title, t.unit, (r) => r.rate, t.id);
  if (t.args[0] === "login" || t.args[0] === "mixed") row("", "load generator CPU, cores", (r) => r.loadCores, t.id);
  if (t.id.startsWith("login") || t.id.startsWith("mixed") || t.id.startsWith("search") || t.id.startsWith("select")) row("", t.id.startsWith("login") || t.id.startsWith("mixed") ? "p99 latency ms" : "median latency ms", (r) => (t.id.startsWith("login") || t.id.startsWith("mixed") ? r.p99 : r.p50), t.id);
  row("", "server CPU µs/op", (r) => r.cpuUs, t.id);
}
if (results.idle) {
  row(`${idleConns} idle connections (LOGIN, SELECT 200-message INBOX, IDLE)`, "RSS growth KiB/connection", (r) => r.rssKiB, "idle");
  row("", "PSS growth KiB/connection", (r) => r.pssKiB, "idle");
}
lines.push("");
const allRuns = Object.entries(results).flatMap(([test, by]) => Object.entries(by).map(([server, runs]) => ({ test, server, runs })));
const bad = allRuns.filter((x) => x.runs.some((r) => !r.correct));
lines.push(
  bad.length === 0
    ? "Every answer was checked (message counts, BODYSTRUCTURE present, body bytes equal to RFC822.SIZE, EXISTS after SELECT, the same number of search hits as Dovecot, no command failed): all correct, on every server."
    : `Not correct: ${bad.map((x) => `${x.test} on ${x.server} (${x.runs.filter((r) => !r.correct).length} of ${x.runs.length} runs; ${x.runs.find((r) => !r.correct).note ?? "wrong counts"})`).join("; ")}.`,
);
const text = lines.join("\n");
process.stdout.write("\n" + text + "\n");
fs.writeFileSync(path.join(env.PERF, `${resultsName}.md`), text + "\n");
