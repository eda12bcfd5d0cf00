// bench/smtp/flow-instructions.mjs: the mail-flow pipeline of bench/smtp/policies.sh driven in
// process (no SMTP session), so that `valgrind --tool=callgrind` can count the instructions of
// a delivery — steady on this shared, noisy machine where seconds are not.
//
//   SETUP_ONLY=1 PERF=/tmp/perf-x bash bench/smtp/policies.sh      # prints the data folder
//   cp -a /tmp/perf-x/moat-policies /tmp/pol-setup                  # keep a pristine copy
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p \
//     node bench/smtp/flow-instructions.mjs /tmp/pol-setup policies 250
//
// Or bench/smtp/flow-instructions.sh, which counts only the deliveries (see there).
//
// Arguments: the folder SETUP_ONLY made (copied afresh for each run, so every run starts from
// the same database), the side (`plain`: plain.example, no policy; `policies`: example.com,
// every stage), the number of deliveries, and how many run at once (default 20, like the
// benchmark's sessions). The instructions of one delivery are the difference between a run of
// N and one of M deliveries divided by N − M (start-up and compilation cancel out).
// MOAT_ROOT picks the checkout whose dist/ runs (default: this one). TIME=1 prints µs per
// delivery instead (one at a time gives the wall time of each stage's awaits as well). CPU=1
// prints the process's CPU time per measured delivery, GC and every thread included: run with
// WARM=3000 and a few thousand deliveries, plain against policies, several times each — it saw
// what instruction counts understate (decision 0038: a copy's index row cost 40–70 µs of CPU
// for far fewer instructions). SQL=1 lists the statements run per delivery; KEEP=1 keeps the
// data folder to look at.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [setup, side = "policies", countText = "50", parallelText = "20"] = process.argv.slice(2);
if (!setup || !["plain", "policies"].includes(side)) {
  console.error("usage: node bench/smtp/flow-instructions.mjs SETUP_FOLDER plain|policies [N] [PARALLEL]");
  process.exit(2);
}
const count = Number(countText);
const parallel = Number(parallelText);
const root = process.env.MOAT_ROOT ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const load = (file) => import(pathToFileURL(path.join(root, "dist", file)).href);
const { openMoat } = await load("app.js");
const { loadSettings } = await load("config/load.js");
const { createLogger } = await load("shared/logger.js");

// SQL=1: counts and times each statement (by its text) per delivery, to see what a stage queries.
const sqlStats = new Map();
if (process.env.SQL === "1") {
  const Database = createRequire(path.join(root, "package.json"))("better-sqlite3");
  const proto = Object.getPrototypeOf(new Database(":memory:").prepare("select 1"));
  for (const method of ["run", "all", "get"]) {
    const original = proto[method];
    proto[method] = function (...args) {
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const stat = sqlStats.get(this.source) ?? { calls: 0, ns: 0n };
        stat.calls++;
        stat.ns += process.hrtime.bigint() - t0;
        sqlStats.set(this.source, stat);
      }
    };
  }
}

// A fresh copy of the set-up data, so each run stores into the same database.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "moat-flow-"));
fs.cpSync(setup, work, { recursive: true });
const env = {
  ...process.env,
  MOAT_DATA_DIR: path.join(work, "data"),
  MOAT_DNS_ZONE_FILE: path.join(work, "zone.json"),
  MOAT_LOG_LEVEL: "warn",
};
const moat = await openMoat(loadSettings({ env }), createLogger({ level: "warn", pretty: false, destination: 2, sync: true }));

const recipient = side === "plain" ? "testuser1@plain.example" : "testuser1@example.com";
const mailFrom = "bench@sender.example";
// What smtp-source -l 5120 sends: four header fields and lines of filler, 5,120 bytes of body.
function message(i) {
  const head = `From: <${mailFrom}>\r\nTo: <${recipient}>\r\nDate: Fri, 27 Nov 2026 14:00:00 +0000\r\nMessage-Id: <${i.toString(16)}.bench@sender.example>\r\n\r\n`;
  const line = "La de da de da 1234567890 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUV\r\n";
  return Buffer.from(head + line.repeat(Math.ceil(5120 / line.length)).slice(0, 5120), "latin1");
}
const origin = { kind: "mx", ip: "127.0.0.1", helo: "localhost", tls: null, listener: "smtp", sessionId: "bench" };

async function deliver(i) {
  const flow = moat.flow;
  const checks = [await flow.checkSender(origin, mailFrom, 5200), await flow.checkRecipient(origin, mailFrom, recipient)];
  const verdict = await flow.process(origin, { mailFrom, recipients: [recipient], smtpUtf8: false, body: "8BITMIME" }, message(i));
  for (const v of [...checks, verdict]) if (v.kind !== "accept") throw new Error(`delivery ${i}: ${JSON.stringify(v)}`);
}

/** Deliveries first..first+n, `parallel` at a time (one at a time with TIME=1). */
async function run(first, n) {
  let next = first;
  const workers = Array.from({ length: process.env.TIME === "1" ? 1 : parallel }, async () => {
    while (next < first + n) await deliver(next++);
  });
  await Promise.all(workers);
}

// PAUSE_DIR (flow-instructions.sh): WARM deliveries with callgrind's instrumentation off, then
// the measured ones between two hand-overs, so the count is of deliveries alone.
const pauseDir = process.env.PAUSE_DIR;
const warm = Number(process.env.WARM ?? 0);
const handOver = async (mine, theirs) => {
  fs.writeFileSync(path.join(pauseDir, mine), "");
  while (!fs.existsSync(path.join(pauseDir, theirs))) await new Promise((resolve) => setTimeout(resolve, 50));
};
await run(0, warm);
// A full collection now, so that the measured deliveries do not pay for the warm-up's garbage
// (one more or one less major GC in the window moves the count by a few percent).
globalThis.gc?.();
if (pauseDir) await handOver("ready", "go");
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
await run(warm, count);
const micros = Number(process.hrtime.bigint() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
if (pauseDir) await handOver("done", "stop");
await moat.close();
for (const [sql, stat] of [...sqlStats].sort((a, b) => Number(b[1].ns - a[1].ns))) {
  const per = (x) => (x / (warm + count)).toFixed(2);
  console.log(`${per(stat.calls).padStart(6)}/msg ${per(Number(stat.ns) / 1000).padStart(8)} µs/msg  ${sql.replace(/\s+/g, " ").slice(0, 150)}`);
}
if (process.env.KEEP === "1") console.log(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
const timed = process.env.TIME === "1" ? `, ${(micros / count).toFixed(0)} µs each` : "";
const cpuTimed = process.env.CPU === "1" ? `, ${((cpu.user + cpu.system) / count).toFixed(0)} µs of CPU each (${(cpu.system / count).toFixed(0)} system)` : "";
console.log(`${side}: ${count} deliveries${timed}${cpuTimed}`);
