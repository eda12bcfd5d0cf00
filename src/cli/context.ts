// What every `moat` subcommand shares: the data folder, settings, the opened core, output.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { openMoat, type Moat } from "../app.js";
import { loadSettings } from "../config/load.js";
import { MoatError } from "../shared/errors.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { isInitialised } from "./bootstrap.js";
import { createOutput, type Output } from "./output.js";

export interface GlobalOptions {
  readonly data?: string;
  readonly json?: boolean;
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stdin: () => Promise<string>;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function dataDirOf(cmd: Command): string {
  return path.resolve(globals(cmd).data ?? process.env.MOAT_DATA_DIR ?? "data");
}

export function outputOf(cmd: Command, io: CliIo): Output {
  return createOutput(globals(cmd).json === true, io.stdout);
}

/** Admin commands log only warnings, to stderr, so their stdout stays parseable. */
export function cliLogger(): Logger {
  return createLogger({ level: "warn", pretty: false, destination: 2, sync: true });
}

/** Opens the initialised data folder, runs `task`, and closes the store whatever happens. */
export async function withMoat<T>(cmd: Command, task: (moat: Moat) => Promise<T>): Promise<T> {
  const dataDir = dataDirOf(cmd);
  if (!fs.existsSync(dataDir) || !isInitialised(dataDir)) {
    throw new MoatError("invalid_input", `${dataDir} is not a Moat data folder (create it with: moat init --data ${dataDir})`);
  }
  const moat = await openMoat(loadSettings({ dataDir }), cliLogger());
  try {
    return await task(moat);
  } finally {
    await moat.close();
  }
}

export async function readPassword(opts: { password?: string; passwordStdin?: boolean }, io: CliIo): Promise<string> {
  if (opts.password !== undefined && opts.passwordStdin) throw new MoatError("invalid_input", "give --password or --password-stdin, not both");
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordStdin) {
    const text = (await io.stdin()).replace(/\r?\n$/, "");
    if (text === "") throw new MoatError("invalid_input", "no password on standard input");
    return text;
  }
  throw new MoatError("invalid_input", "a password is required: give --password P or --password-stdin");
}
