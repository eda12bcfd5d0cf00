// The abnormal-login detector's CPU per observation (issue 8 item 2, decision 0026): successful
// logins of 200 accounts, each every ~60 s from its usual place ("usual"), or with 4 of them
// jumping to Lagos and back each batch ("roaming": travel, new country and network events,
// profile writes), and failures ("failures": in-memory windows, bursts), observed in batches of
// 200 and waited for as a busy server would. Side by side in one process: "given" — the domain's
// settings come with the observation, as authenticate() passes them — and "read", where the
// detector reads them itself (one more query per success).
//
//   npx tsx bench/auth/anomalies.ts                                          # SQLite in a temporary folder
//   PG=postgres://postgres@127.0.0.1:5432/test npx tsx bench/auth/anomalies.ts  # a schema of its own, dropped after
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openStore } from "../../src/store/open.js";
import { LoginAnomalyDetector } from "../../src/core/security/anomalies/detector.js";
import { anomalySettings } from "../../src/core/security/anomalies/settings.js";
import { defaultDomainLoginSettings } from "../../src/core/auth/login-settings.js";
import { settingsSchema } from "../../src/config/schema.js";

const pgUrl = process.env.PG;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "moat-bench-anomalies-"));
const store = await openStore(pgUrl ? { databaseUrl: pgUrl, pgSchema: `moat_bench_anomalies_${process.pid}` } : { sqlitePath: path.join(dir, "db.sqlite") });
const t0 = Date.UTC(2026, 10, 1);
let now = t0;
const clock = { now: () => now, sleep: async () => {} };
const domain = await store.domains.create("example.com" as never, t0);
const users: number[] = [];
for (let i = 0; i < 200; i++) users.push((await store.users.create({ domainId: domain.id, address: `u${i}@example.com`, passwordHash: "x", displayName: "", role: "user", quotaBytes: 0, now: t0 } as never)).id);
let raised = 0;
const makeDetector = () => new LoginAnomalyDetector({ store, clock, settings: anomalySettings(settingsSchema(false).shape.login_alerts.parse(undefined)), onRaised: (e) => (raised += e.length) });
const home = { country: "GB", region: "England", city: "Bracknell", asn: 20712, asOrg: "Andrews & Arnold Ltd", network: "public" as const, coordinates: { latitude: 51.4036, longitude: -0.7618 } };
const away = { country: "NG", region: "Lagos", city: "Lagos", asn: 36923, asOrg: "SWIFT NETWORKS LIMITED", network: "public" as const, coordinates: { latitude: 6.4474, longitude: 3.3903 } };
let id = 1;
async function run(detector: LoginAnomalyDetector, given: boolean, n: number, roamEvery: number, result: "success" | "failure") {
  const before = process.cpuUsage(); const wall = performance.now();
  for (let i = 0; i < n; i += 200) {
    for (let j = 0; j < 200; j++) {
      now += 300; // 200 accounts, each every 60 s
      const { coordinates, ...place } = roamEvery > 0 && (i / 200 + j) % roamEvery === 0 ? away : home;
      const record = { id: id++, at: now, identity: `u${j}@example.com`, userId: users[j]!, channel: "imap" as const, ip: "81.2.69.160", clientId: null, method: "IMAP LOGIN", result, reason: result === "success" ? ("ok" as const) : ("invalid_credentials" as const), appPasswordName: null, ...place };
      detector.observe({ record, coordinates, domainId: domain.id, ...(given ? { domainSettings: defaultDomainLoginSettings } : {}) });
    }
    await detector.idle();
  }
  const cpu = process.cpuUsage(before); const ms = performance.now() - wall;
  return { cpuUs: Math.round((cpu.user + cpu.system) / n), wallUs: Math.round((ms * 1000) / n) };
}
const warm = makeDetector();
await run(warm, true, 4000, 0, "success"); // profiles made
now += 20 * 86_400_000; // learning over
await run(warm, true, 2000, 0, "success");
const variants = [["given", makeDetector(), true], ["read", makeDetector(), false]] as const;
for (let round = 1; round <= Number(process.env.ROUNDS ?? 3); round++) {
  for (const [name, detector, given] of variants) {
    const usual = await run(detector, given, 6000, 0, "success");
    const roaming = await run(detector, given, 6000, 50, "success");
    const failures = await run(detector, given, 6000, 0, "failure");
    console.log(JSON.stringify({ dialect: store.dialect, round, name, usual, roaming, failures, eventsRaised: raised }));
  }
}
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
if (pgUrl) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`drop schema if exists "moat_bench_anomalies_${process.pid}" cascade`);
  await client.end();
}
