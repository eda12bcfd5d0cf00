// The real `moat start` as a child process on a temporary data folder, every port free (0),
// for end-to-end tests with real clients. Waits on the "moat started" log line, never sleeps.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cleanEnv, moatBin, runMoat } from "./cli.js";

export const listenerNames = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "managesieve", "http"] as const;
export const zeroPorts: Record<string, string> = Object.fromEntries(listenerNames.map((l) => [`MOAT_${l.toUpperCase()}_PORT`, "0"]));

export interface MoatProcess {
  readonly child: ChildProcess;
  readonly data: string;
  readonly ports: Record<string, number>;
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM and wait. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
}

export function spawnMoat(data: string, env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [moatBin, "--data", data, "start"], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export function waitForOutput(started: { child: ChildProcess; output: () => string; exited: Promise<number | null> }, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = started.output().split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        started.child.stdout!.off("data", check);
        started.child.stderr!.off("data", check);
        resolve(line);
      }
    };
    started.child.stdout!.on("data", check);
    started.child.stderr!.on("data", check);
    void started.exited.then((code) => reject(new Error(`moat exited (${code}) before printing ${pattern}:\n${started.output()}`)));
    check();
  });
}

/** Starts Moat on `data` (initialised first if needed) with every port free and loopback only. */
export async function startMoat(data: string, env: Record<string, string> = {}): Promise<MoatProcess> {
  const fullEnv = { ...zeroPorts, MOAT_LISTEN_HOST: "127.0.0.1", MOAT_HTTP_TLS: "off", MOAT_SERVER_HOSTNAME: "mx.example.com", ...env };
  if (!fs.existsSync(path.join(data, "moat.toml"))) {
    const init = await runMoat(["--data", data, "init", "--domain", "example.com"], { env: fullEnv });
    if (init.code !== 0) throw new Error(`moat init failed: ${init.stderr}`);
  }
  const started = spawnMoat(data, fullEnv);
  const line = await waitForOutput(started, /moat started/);
  const ports = (JSON.parse(line) as { ports: Record<string, number> }).ports;
  return {
    ...started,
    data,
    ports,
    async stop() {
      if (started.child.exitCode === null) started.child.kill("SIGTERM");
      return started.exited;
    },
    async kill() {
      if (started.child.exitCode === null) started.child.kill("SIGKILL");
      await started.exited;
    },
  };
}
