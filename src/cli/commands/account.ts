// moat account secure ADDRESS [--since 7d] [--block-for 7d]: the stolen-account response
// (issue 8 item 4, decision 0025); moat account report ADDRESS [--since 7d]: its report of
// what may have been abused, alone, changing nothing (to see that the fixes took).
import type { Command } from "commander";
import type { AbuseFinding } from "../../core/security/account-secure/abuse-report.js";
import type { SecureResult } from "../../core/security/account-secure/index.js";
import { normalizeIp } from "../../shared/ip.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";
import { parseDuration } from "./ip.js";

/** The address the admin is logged in from over SSH, never blocked. */
export function adminAddresses(env: NodeJS.ProcessEnv = process.env): string[] {
  const first = (v: string | undefined) => (v === undefined ? null : normalizeIp(v.trim().split(/\s+/)[0] ?? ""));
  return [first(env.SSH_CLIENT), first(env.SSH_CONNECTION)].filter((ip): ip is string => ip !== null);
}

const iso = (ms: number) => new Date(ms).toISOString();

export const findingJson = (f: AbuseFinding) => ({ kind: f.kind, severity: f.severity, sentence: f.sentence, fix: f.fix, ...f.details });

const findingLines = (findings: readonly AbuseFinding[]): string[] =>
  findings.length === 0
    ? ["no signs of abuse found"]
    : findings.flatMap((f) => [`[${f.severity}] ${f.sentence}`, `    fix: ${f.fix ?? "nothing to undo"}`]);

function secureJson(r: SecureResult) {
  return {
    address: r.address,
    temporaryPassword: r.temporaryPassword,
    since: iso(r.period.since),
    until: iso(r.period.until),
    revoked: r.revoked,
    twoFactorRequired: r.twoFactorRequired,
    securityPasswordRequired: r.securityPasswordRequired,
    suspicious: r.suspicious.map((s) => ({ ...s, firstAt: iso(s.firstAt), lastAt: iso(s.lastAt) })),
    blocked: r.blocked.map((b) => ({ ip: b.ip, expiresAt: iso(b.expiresAt) })),
    findings: r.findings.map(findingJson),
  };
}

function secureText(r: SecureResult): string {
  const notBlocked = r.suspicious.filter((s) => !s.blockable);
  return [
    `${r.address} secured (suspicious period from ${formatTime(r.period.since)})`,
    `temporary password (shown only now; the user must change it at the next web login): ${r.temporaryPassword}`,
    `revoked: ${r.revoked.webSessions} web session(s), ${r.revoked.appPasswords} client security password(s), ${r.revoked.rememberedBrowsers} remembered browser(s)`,
    `required from now: two-factor login (no grace period), client security passwords for IMAP/POP3/SMTP`,
    ...(r.blocked.length === 0 ? ["blocked: no address"] : r.blocked.map((b) => `blocked ${b.ip} until ${formatTime(b.expiresAt)}`)),
    ...notBlocked.map((s) => `not blocked ${s.ip}: ${s.notBlockedBecause}`),
    "report:",
    ...findingLines(r.findings).map((l) => `  ${l}`),
  ].join("\n");
}

export function accountCommand(program: Command, io: CliIo): void {
  const account = program.command("account").description("a stolen account: secure it and see what was abused");

  account
    .command("secure <address>")
    .description("new temporary password, every session and client security password revoked, 2FA and client security passwords required, suspicious addresses blocked; then a report")
    .option("--since <duration>", "the suspicious period: the last e.g. 48h, 7d", "7d")
    .option("--block-for <duration>", "how long suspicious addresses stay blocked", "7d")
    .action((address: string, opts: { since: string; blockFor: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const since = moat.clock.now() - parseDuration(opts.since);
        const blockMs = parseDuration(opts.blockFor);
        const result = await moat.accountSecure.secure(address, cliActor(), { since, blockMs, protect: adminAddresses() });
        outputOf(cmd, io).object(secureText(result), secureJson(result));
      }),
    );

  account
    .command("report <address>")
    .description("what may have been abused (forwarding, filters, auto-replies, sent mail), changing nothing")
    .option("--since <duration>", "the suspicious period: the last e.g. 48h, 7d", "7d")
    .action((address: string, opts: { since: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const findings = await moat.accountSecure.report(address, { since: moat.clock.now() - parseDuration(opts.since) });
        const out = outputOf(cmd, io);
        if (out.json) for (const f of findings) out.line(JSON.stringify(findingJson(f)));
        else out.line(findingLines(findings).join("\n"));
      }),
    );
}
