// moat init and moat start.
import type { Command } from "commander";
import { loadSettings } from "../../config/load.js";
import { createLogger } from "../../shared/logger.js";
import { initDataFolder, isInitialised, type InitResult } from "../bootstrap.js";
import { cliLogger, dataDirOf, outputOf, type CliIo } from "../context.js";

function printInit(cmd: Command, io: CliIo, result: InitResult): void {
  outputOf(cmd, io).object(
    [
      `initialised ${result.dataDir}`,
      `first admin: ${result.admin}`,
      `password: ${result.password}`,
      "(shown once: keep it, or set another with: moat user passwd ADDRESS --password-stdin)",
    ].join("\n"),
    result,
  );
}

export function lifecycleCommands(program: Command, io: CliIo): void {
  program
    .command("init")
    .description("create a data folder: settings, TLS certificate, database and the first admin")
    .option("--domain <domain>", "the first hosted domain (default: from the host name)")
    .option("--admin <address>", "the first admin's address (default: admin@DOMAIN)")
    .action(async (opts: { domain?: string; admin?: string }, cmd: Command) => {
      printInit(cmd, io, await initDataFolder({ dataDir: dataDirOf(cmd), domain: opts.domain, admin: opts.admin }, cliLogger()));
    });

  program
    .command("start")
    .description("run the mail server (initialises a fresh data folder first)")
    .action(async (_o, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      if (!isInitialised(dataDir)) printInit(cmd, io, await initDataFolder({ dataDir }, cliLogger()));
      const loaded = loadSettings({ dataDir });
      const logger = createLogger({ level: loaded.settings.log.level });
      // Loaded here, not at the top: admin subcommands need none of the servers' code.
      const { startServer } = await import("../../main.js");
      const server = await startServer(loaded, logger);
      await server.closed;
    });
}
