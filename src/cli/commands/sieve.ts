// moat sieve put ADDRESS FILE [--name NAME] [--activate] | list ADDRESS | get ADDRESS NAME |
// activate ADDRESS NAME | deactivate ADDRESS | rename ADDRESS OLD NEW | remove ADDRESS NAME |
// check FILE: users' Sieve filter scripts (issue 7 item 6), ManageSieve's rules. A script with
// errors is refused with one "line L, column C: message" per problem (exit 2); a script that
// forwards outside the company where that is disabled is refused too, and logged.
// moat forwarding attempts [DOMAIN] [--account A] [--since 7d] [--outcome refused|allowed]:
// who tried to forward where.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { ForwardingAttempt } from "../../core/ports/user-rules.js";
import type { SieveScriptInfo } from "../../core/ports/user-rules.js";
import { problemLines } from "../../core/flow/user-rules/sieve-scripts.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatBytes, formatTime } from "../output.js";
import { parseDuration } from "./ip.js";

/** The script text of FILE, or of standard input for "-". */
async function readScript(file: string, io: CliIo): Promise<string> {
  if (file === "-") return io.stdin();
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new MoatError("invalid_input", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** The default name: the file's name without .sieve ("main" for standard input). */
const nameOf = (file: string) => (file === "-" ? "main" : path.basename(file).replace(/\.sieve$/i, ""));

const scriptJson = (address: string) => (s: SieveScriptInfo) => ({ address, name: s.name, active: s.active, size: s.size, updatedAt: new Date(s.updatedAt).toISOString() });

function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new MoatError("invalid_input", "--limit must be a whole number from 1 to 10000");
  return n;
}

export function sieveCommand(program: Command, io: CliIo): void {
  const sieve = program.command("sieve").description("users' Sieve filter scripts (RFC 5228)");

  sieve
    .command("put <address> <file>")
    .description("check and store a script (FILE - reads standard input); replaces one of the same name")
    .option("--name <name>", "the script's name (default: the file name without .sieve)")
    .option("--activate", "make it the active script")
    .action((address: string, file: string, opts: { name?: string; activate?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const text = await readScript(file, io);
        const saved = await moat.sieve.put(address, opts.name ?? nameOf(file), text, cliActor(), { activate: opts.activate === true });
        outputOf(cmd, io).object(`stored script ${saved.name} for ${address}${saved.active ? " (active)" : ""}`, scriptJson(address)(saved));
      }),
    );

  sieve
    .command("list <address>")
    .description("an account's scripts; the active one is marked")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.sieve.list(address),
          { NAME: (s) => s.name, ACTIVE: (s) => (s.active ? "yes" : "no"), SIZE: (s) => formatBytes(s.size), CHANGED: (s) => formatTime(s.updatedAt) },
          scriptJson(address),
        );
      }),
    );

  sieve
    .command("get <address> <name>")
    .description("print a script")
    .action((address: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const script = await moat.sieve.get(address, name);
        const out = outputOf(cmd, io);
        if (out.json) out.object("", { ...scriptJson(address)(script), content: script.content });
        else io.stdout(script.content.endsWith("\n") ? script.content : `${script.content}\n`);
      }),
    );

  sieve
    .command("activate <address> <name>")
    .description("make this script the one that runs on delivery")
    .action((address: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.sieve.activate(address, name, cliActor());
        outputOf(cmd, io).object(`${name} is the active script of ${address}`, { address, active: name });
      }),
    );

  sieve
    .command("deactivate <address>")
    .description("no script runs on delivery")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.sieve.deactivate(address, cliActor());
        outputOf(cmd, io).object(`no active script for ${address}`, { address, active: null });
      }),
    );

  sieve
    .command("rename <address> <old> <new>")
    .description("rename a script")
    .action((address: string, from: string, to: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.sieve.rename(address, from, to, cliActor());
        outputOf(cmd, io).object(`renamed ${from} to ${to}`, { address, from, to });
      }),
    );

  sieve
    .command("remove <address> <name>")
    .description("delete a script (not the active one)")
    .action((address: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        await moat.sieve.remove(address, name, cliActor());
        outputOf(cmd, io).object(`removed script ${name} of ${address}`, { address, removed: name });
      }),
    );

  sieve
    .command("check <file>")
    .description("check a script without storing it (FILE - reads standard input)")
    .action((file: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const problems = moat.sieve.check(await readScript(file, io));
        if (problems.length > 0) {
          const lines = problemLines(problems);
          throw new MoatError("sieve_invalid", lines.join("\n"), { details: lines });
        }
        outputOf(cmd, io).object("the script is valid", { valid: true });
      }),
    );
}

const attemptJson = (a: ForwardingAttempt) => ({ ...a, at: new Date(a.at).toISOString() });

export function forwardingCommand(program: Command, io: CliIo): void {
  const forwarding = program.command("forwarding").description("automatic forwarding: who tried to forward where");

  forwarding
    .command("attempts [domain]")
    .description("forwards refused by the ban (and outside forwards saved), newest first")
    .option("--account <address>", "one account")
    .option("--outcome <outcome>", "refused|allowed")
    .option("--since <duration>", "only the last e.g. 24h, 7d")
    .option("--limit <n>", "how many", "100")
    .action((domain: string | undefined, opts: { account?: string; outcome?: string; since?: string; limit: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        if (opts.outcome !== undefined && opts.outcome !== "refused" && opts.outcome !== "allowed") throw new MoatError("invalid_input", `--outcome: expected refused|allowed, not '${opts.outcome}'`);
        const found = await moat.forwarding.attempts({
          domain,
          account: opts.account,
          outcome: opts.outcome as ForwardingAttempt["outcome"] | undefined,
          since: opts.since === undefined ? undefined : moat.clock.now() - parseDuration(opts.since),
          limit: limitOf(opts.limit),
        });
        outputOf(cmd, io).rows(
          found,
          {
            TIME: (a) => formatTime(a.at),
            ACCOUNT: (a) => a.account,
            TARGET: (a) => a.target,
            VIA: (a) => a.via,
            WHEN: (a) => a.phase,
            OUTCOME: (a) => a.outcome,
            RULE: (a) => a.rule,
            MESSAGE: (a) => a.messageId ?? "-",
          },
          attemptJson,
        );
      }),
    );
}
