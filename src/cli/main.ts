// The `moat` command: admin subcommands and `start`. Bad input prints one line and exits 2
// without writing anything; anything unexpected exits 1 without internal detail.
import { Command, CommanderError } from "commander";
import { isMoatError } from "../shared/errors.js";
import { aliasCommand } from "./commands/alias.js";
import { domainCommand } from "./commands/domain.js";
import { groupCommand } from "./commands/group.js";
import { lifecycleCommands } from "./commands/lifecycle.js";
import { loginsCommand } from "./commands/logins.js";
import { loginEventsCommand } from "./commands/login-events.js";
import { traceCommand } from "./commands/trace.js";
import { monitorCommand } from "./commands/monitor.js";
import { ruleCommand } from "./commands/rule.js";
import { recallCommands } from "./commands/recall.js";
import { forwardingCommand, sieveCommand } from "./commands/sieve.js";
import { queueCommand } from "./commands/queue.js";
import { userCommand } from "./commands/user.js";
import { appPassCommand } from "./commands/apppass.js";
import { auditCommand } from "./commands/audit.js";
import { ipCommand } from "./commands/ip.js";
import { passwordPolicyCommand } from "./commands/password-policy.js";
import { twoFactorCommand } from "./commands/two-factor.js";
import { accessPolicyCommand } from "./commands/access-policy.js";
import { phoneCommand, smsCommand } from "./commands/phone.js";
import { sessionCommand } from "./commands/sessions.js";
import { accountCommand } from "./commands/account.js";
import { checkupCommand } from "./commands/checkup.js";
import type { CliIo } from "./context.js";

export const exitBadInput = 2;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function buildProgram(io: CliIo, stderr: (text: string) => void): Command {
  const program = new Command("moat")
    .description("Moat mail server")
    .option("--data <dir>", "the data folder (default: $MOAT_DATA_DIR or ./data)")
    .option("--json", "print JSON (one object per line) instead of text")
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: stderr, outputError: () => undefined })
    .exitOverride();
  lifecycleCommands(program, io);
  domainCommand(program, io);
  userCommand(program, io);
  aliasCommand(program, io);
  groupCommand(program, io);
  loginsCommand(program, io);
  loginEventsCommand(program, io);
  traceCommand(program, io);
  monitorCommand(program, io);
  ruleCommand(program, io);
  recallCommands(program, io);
  sieveCommand(program, io);
  forwardingCommand(program, io);
  queueCommand(program, io);
  appPassCommand(program, io);
  ipCommand(program, io);
  auditCommand(program, io);
  passwordPolicyCommand(program, io);
  twoFactorCommand(program, io);
  accessPolicyCommand(program, io);
  phoneCommand(program, io);
  smsCommand(program, io);
  sessionCommand(program, io);
  accountCommand(program, io);
  checkupCommand(program, io);
  // Every subcommand reports errors through runCli, not by exiting itself.
  const seal = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: stderr, outputError: () => undefined });
    cmd.commands.forEach(seal);
  };
  program.commands.forEach(seal);
  return program;
}

export async function runCli(
  argv: string[],
  io: CliIo = { stdout: (t) => process.stdout.write(t), stdin: readStdin },
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const program = buildProgram(io, stderr);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      if (err.code === "commander.help") return exitBadInput; // no subcommand: usage went to stderr
      stderr(`moat: ${err.message.replace(/^error: /, "")}\n`);
      return exitBadInput;
    }
    if (isMoatError(err) && err.code !== "internal") {
      // One line per problem (a bad settings file may have several), each marked as ours.
      stderr(err.message.split("\n").map((line) => `moat: ${line}\n`).join(""));
      return exitBadInput;
    }
    stderr(`moat: internal error${err instanceof Error ? ` (${err.name})` : ""}; see the server log\n`);
    if (process.env.MOAT_DEBUG) stderr(`${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
