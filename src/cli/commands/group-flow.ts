// moat group set GROUP --senders MODE [--allow LIST] [--allow-file FILE] and moat group show
// GROUP: who may send to a mail group (issue 7 item 2). The allow-list holds addresses and
// domains, up to 1,000, from the command line or a text file (one per line, # comments).
import fs from "node:fs";
import type { Command } from "commander";
import { groupSenderModes, type GroupFlowSettings, type GroupSenderMode } from "../../core/flow/flow-settings.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { onOff } from "./user-security.js";

interface SetOptions {
  senders?: string;
  allow?: string;
  allowFile?: string;
  moderators?: string;
  moderatorsExempt?: string;
}

function senderMode(text: string): GroupSenderMode {
  const mode = text.toLowerCase();
  if (!(groupSenderModes as readonly string[]).includes(mode)) throw new MoatError("invalid_input", `--senders: expected ${groupSenderModes.join("|")}, not '${text}'`);
  return mode as GroupSenderMode;
}

function allowList(opts: SetOptions): string[] | undefined {
  if (opts.allow === undefined && opts.allowFile === undefined) return undefined;
  const fromFlag = opts.allow === undefined || opts.allow.trim().toLowerCase() === "none" ? [] : opts.allow.split(",");
  let fromFile: string[] = [];
  if (opts.allowFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(opts.allowFile, "utf8");
    } catch (err) {
      throw new MoatError("invalid_input", `--allow-file: cannot read ${opts.allowFile}: ${(err as Error).message}`);
    }
    fromFile = text.split(/\r?\n/).map((line) => line.replace(/#.*/, ""));
  }
  return [...new Set([...fromFlag, ...fromFile].map((s) => s.trim().toLowerCase()).filter((s) => s !== ""))];
}

const settingsText = (group: string, s: GroupFlowSettings) =>
  [
    `group ${group}`,
    `  senders=${s.senders}`,
    `  allow=${s.allow.length === 0 ? "none" : s.allow.join(",")}`,
    `  moderators=${s.moderators.length === 0 ? "none" : s.moderators.join(",")} moderators-exempt=${s.moderatorsExempt ? "on" : "off"}`,
  ].join("\n");

export function groupFlowCommands(group: Command, io: CliIo): void {
  group
    .command("set <group>")
    .description(`who may send to the group (--senders ${groupSenderModes.join("|")})`)
    .option("--senders <mode>", "same-domain (default), company, members, anyone, allowlist, members+allowlist")
    .option("--allow <list>", "addresses and domains for the allowlist modes, comma-separated (none: empty)")
    .option("--allow-file <file>", "more of them from a text file, one per line")
    .option("--moderators <list>", "accounts that approve mail to the group before it goes out (none: no moderation)")
    .option("--moderators-exempt <on|off>", "moderators' own mail to the group is not held (default on)")
    .action((address: string, opts: SetOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const patch: { -readonly [K in keyof GroupFlowSettings]?: GroupFlowSettings[K] } = {};
        if (opts.senders !== undefined) patch.senders = senderMode(opts.senders);
        const allow = allowList(opts);
        if (allow !== undefined) patch.allow = allow;
        if (opts.moderators !== undefined) patch.moderators = opts.moderators.trim().toLowerCase() === "none" ? [] : opts.moderators.split(",").map((s) => s.trim()).filter((s) => s !== "");
        if (opts.moderatorsExempt !== undefined) patch.moderatorsExempt = onOff("--moderators-exempt", opts.moderatorsExempt);
        if (Object.keys(patch).length === 0) throw new MoatError("invalid_input", "nothing to change: give --senders, --allow, --allow-file, --moderators or --moderators-exempt");
        const { address: canonical } = await moat.accounts.getGroup(address);
        const after = await moat.flowSettings.updateGroup(canonical, patch, cliActor());
        outputOf(cmd, io).object(settingsText(canonical, after), { group: canonical, settings: after });
      }),
    );

  group
    .command("show <group>")
    .description("a group's sending permissions")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const { address: canonical } = await moat.accounts.getGroup(address);
        const settings = await moat.flowSettings.forGroup(canonical);
        outputOf(cmd, io).object(settingsText(canonical, settings), { group: canonical, settings });
      }),
    );
}
