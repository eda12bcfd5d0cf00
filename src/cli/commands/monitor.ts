// moat monitor add ADDRESS --supervisor ADDRESS [--direction sent|received|both]
// [--scope internal|external|both] [--name NAME] [--folder FOLDER] [--until DATE],
// moat monitor list DOMAIN, moat monitor end DOMAIN NAME: email monitoring (issue 7 item 4).
// Every change is in the admin audit log (core).
import type { Command } from "commander";
import { monitorDirections, monitorScopes, type MonitorRule } from "../../core/flow/flow-settings.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

function oneOf<T extends string>(flag: string, allowed: readonly T[], text: string): T {
  const value = text.toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) throw new MoatError("invalid_input", `${flag}: expected ${allowed.join("|")}, not '${text}'`);
  return value as T;
}

function dateOf(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new MoatError("invalid_input", `--until: '${text}' is not a date (e.g. 2026-12-31 or 2026-12-31T18:00:00Z)`);
  return ms;
}

const ruleJson = (r: MonitorRule) => ({ ...r, start: new Date(r.start).toISOString(), end: r.end === null ? null : new Date(r.end).toISOString() });

export function monitorCommand(program: Command, io: CliIo): void {
  const monitor = program.command("monitor").description("email monitoring: a supervisor gets copies of an account's mail");

  monitor
    .command("add <address>")
    .description("copy the mail of this account (or this group's members) to a supervisor's folder, from now on")
    .requiredOption("--supervisor <address>", "the account that gets the copies")
    .option("--direction <direction>", monitorDirections.join("|"), "both")
    .option("--scope <scope>", `${monitorScopes.join("|")}: mail inside the company, to or from outside, or both`, "both")
    .option("--name <name>", "the rule's name (default: monitor-USER-N)")
    .option("--folder <folder>", "the supervisor's folder (default: Monitoring/NAME)")
    .option("--until <date>", "end date")
    .action((address: string, opts: { supervisor: string; direction: string; scope: string; name?: string; folder?: string; until?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rule = await moat.flowSettings.addMonitor(
          {
            target: address,
            supervisor: opts.supervisor,
            direction: oneOf("--direction", monitorDirections, opts.direction),
            scope: oneOf("--scope", monitorScopes, opts.scope),
            name: opts.name,
            folder: opts.folder,
            until: opts.until === undefined ? undefined : dateOf(opts.until),
          },
          cliActor(),
        );
        outputOf(cmd, io).object(`monitoring ${rule.target} for ${rule.supervisor} into ${rule.folder} as ${rule.name}`, ruleJson(rule));
      }),
    );

  monitor
    .command("list <domain>")
    .description("the domain's monitoring rules, ended ones too")
    .action((domain: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const now = moat.clock.now();
        const { monitors } = await moat.flowSettings.forDomain(domain);
        outputOf(cmd, io).rows(
          monitors,
          {
            NAME: (r) => r.name,
            TARGET: (r) => r.target,
            SUPERVISOR: (r) => r.supervisor,
            FOLDER: (r) => r.folder,
            DIRECTION: (r) => r.direction,
            SCOPE: (r) => r.scope,
            SINCE: (r) => formatTime(r.start),
            UNTIL: (r) => (r.end === null ? "-" : `${formatTime(r.end)}${r.end <= now ? " (ended)" : ""}`),
          },
          ruleJson,
        );
      }),
    );

  monitor
    .command("end <domain> <name>")
    .description("end a monitoring rule now")
    .action((domain: string, name: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rule = await moat.flowSettings.endMonitor(domain, name, cliActor());
        outputOf(cmd, io).object(`ended ${rule.name}`, ruleJson(rule));
      }),
    );
}
