// Runs the real `moat` command (bin/moat.js, built into dist/) as a child process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { openMoat, type Moat } from "../../src/app.js";
import { loadSettings } from "../../src/config/load.js";
import { createLogger } from "../../src/shared/logger.js";

export const moatBin = path.resolve("bin/moat.js");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment without the MOAT_ settings of whoever runs the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MOAT_")));
  return { ...env, ...extra };
}

export function runMoat(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [moatBin, ...args], { env: cleanEnv(opts.env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

export const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The run exited 0; returns it for its output. */
export function expectOk(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit 0 expected; stderr: ${run.stderr}`);
  return run;
}

/** Bad input: exit 2, nothing on stdout, one line on stderr matching `pattern`. */
export function expectBadInput(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit status 2 expected; stderr: ${run.stderr}`);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  assert.match(run.stderr, pattern);
}

/** The core of a data folder opened in this process, as `moat start` opens it, for `task`; closed after. */
export async function withDataCore<T>(dataDir: string, task: (moat: Moat) => Promise<T>): Promise<T> {
  const moat = await openMoat(loadSettings({ dataDir, env: {} }), createLogger({ level: "silent", pretty: false }));
  try {
    return await task(moat);
  } finally {
    await moat.close();
  }
}
