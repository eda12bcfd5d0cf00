// moat ip block|unblock|allow|disallow|list: IP blocklists (install-wide or per domain, with an
// optional expiry and note), allowlists per domain or account and optionally per channel, and
// the automatic blocks of addresses that failed too often across accounts.
import { Option, type Command } from "commander";
import type { ListedIpRule } from "../../core/auth/ip-rule-service.js";
import { channels, type Channel } from "../../core/auth/types.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "30m", "12h", "7d", "2w" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})\s*([smhdw])$/i.exec(text.trim());
  if (!match) throw new MoatError("invalid_input", `'${text}' is not a duration (e.g. 30m, 12h, 7d)`);
  const ms = Number(match[1]) * units[match[2]!.toLowerCase()]!;
  if (ms <= 0) throw new MoatError("invalid_input", "the duration must be above 0");
  return ms;
}

const ruleJson = (r: ListedIpRule) => ({
  action: r.action,
  cidr: r.cidr,
  domain: r.domain,
  user: r.user,
  channel: r.channel,
  expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  note: r.note,
  origin: r.origin,
  createdAt: new Date(r.createdAt).toISOString(),
  createdBy: r.createdBy,
});

interface AllowOptions {
  domain: string;
  user?: string;
  channel?: Channel;
}

export function ipCommand(program: Command, io: CliIo): void {
  const ip = program.command("ip").description("IP blocklists and allowlists");

  ip.command("block <cidr>")
    .description("refuse every login from an address or range (before any password check)")
    .option("--domain <domain>", "only logins to this domain (default: install-wide)")
    .option("--expires <duration>", "lift the block after this long, e.g. 12h, 7d")
    .option("--note <text>", "why, for the next admin")
    .action((cidr: string, opts: { domain?: string; expires?: string; note?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const expiresInMs = opts.expires === undefined ? undefined : parseDuration(opts.expires);
        const rule = await moat.loginSecurity.ipRules.block(cidr, { domain: opts.domain, expiresInMs, note: opts.note }, cliActor());
        const until = rule.expiresAt === null ? "" : ` until ${formatTime(rule.expiresAt)}`;
        outputOf(cmd, io).object(`blocked ${rule.cidr}${opts.domain ? ` for ${opts.domain}` : ""}${until}`, { blocked: rule.cidr, domain: opts.domain ?? null, expiresAt: rule.expiresAt === null ? null : new Date(rule.expiresAt).toISOString() });
      }),
    );

  ip.command("unblock <cidr>")
    .description("lift the blocks of an address or range, automatic ones included")
    .option("--domain <domain>", "only this domain's block")
    .action((cidr: string, opts: { domain?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const removed = await moat.loginSecurity.ipRules.unblock(cidr, { domain: opts.domain }, cliActor());
        outputOf(cmd, io).object(`unblocked ${cidr} (${removed} rule${removed === 1 ? "" : "s"})`, { unblocked: cidr, rules: removed });
      }),
    );

  const allowOptions = (c: Command) =>
    c
      .requiredOption("--domain <domain>", "the domain whose logins this applies to")
      .option("--user <address>", "only this account (default: the whole domain)")
      .addOption(new Option("--channel <channel>", "only this channel (default: all)").choices(channels));

  allowOptions(ip.command("allow <cidr>").description("allow logins only from listed ranges: once a domain or account has entries, other addresses are refused")).action(
    (cidr: string, opts: AllowOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const rule = await moat.loginSecurity.ipRules.allow(cidr, opts, cliActor());
        const scope = `${opts.user ?? opts.domain}${opts.channel ? ` on ${opts.channel}` : ""}`;
        outputOf(cmd, io).object(`allowed ${rule.cidr} for ${scope}`, { allowed: rule.cidr, domain: opts.domain, user: opts.user ?? null, channel: opts.channel ?? null });
      }),
  );

  allowOptions(ip.command("disallow <cidr>").description("remove an allowlist entry (same --domain/--user/--channel as when added)")).action(
    (cidr: string, opts: AllowOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const removed = await moat.loginSecurity.ipRules.disallow(cidr, opts, cliActor());
        outputOf(cmd, io).object(`removed the allowlist entry ${cidr}`, { disallowed: cidr, rules: removed });
      }),
  );

  ip.command("list")
    .description("every block and allowlist entry in force, automatic blocks included")
    .action((_o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.loginSecurity.ipRules.list(),
          {
            ACTION: (r) => r.action,
            CIDR: (r) => r.cidr,
            SCOPE: (r) => r.user ?? r.domain ?? "install",
            CHANNEL: (r) => r.channel ?? "all",
            EXPIRES: (r) => (r.expiresAt === null ? "never" : formatTime(r.expiresAt)),
            ORIGIN: (r) => r.origin,
            NOTE: (r) => r.note,
          },
          ruleJson,
        );
      }),
    );
}
