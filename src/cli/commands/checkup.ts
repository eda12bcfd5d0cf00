// moat checkup [DOMAIN|ADDRESS] [--fix ID]: the security checkup ("self-inspection", issue 8
// item 5, decision 0025): findings with severity and a one-line fix, and a score; --fix runs
// one finding's fix through the same services (audited) and says what changed.
import type { Command } from "commander";
import type { CheckupFinding } from "../../core/security/checkup/findings.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";

const findingJson = (f: CheckupFinding) => ({ id: f.id, severity: f.severity, subject: f.subject, sentence: f.sentence, fix: f.fix });

export function checkupCommand(program: Command, io: CliIo): void {
  program
    .command("checkup [target]")
    .description("security checkup of a domain, an account, or every domain: gaps, their fixes and a score")
    .option("--fix <id>", "run the fix of this finding (audited)")
    .action((target: string | undefined, opts: { fix?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const out = outputOf(cmd, io);
        if (opts.fix !== undefined) {
          const done = await moat.checkup.fix(opts.fix, cliActor());
          const extra = done.temporaryPassword ? `\ntemporary password (shown only now): ${done.temporaryPassword}` : "";
          return out.object(`fixed ${done.id}: ${done.changed}${extra}`, done);
        }
        const report = await moat.checkup.run(target);
        const counts = { high: 0, medium: 0, low: 0 };
        for (const f of report.findings) counts[f.severity]++;
        const summary = { summary: true, target: report.target, accounts: report.accounts, score: report.score, findings: report.findings.length, ...counts };
        if (out.json) {
          for (const f of report.findings) out.line(JSON.stringify(findingJson(f)));
          return out.line(JSON.stringify(summary));
        }
        for (const f of report.findings) out.line(`[${f.severity}] ${f.id}\n    ${f.sentence}\n    fix: ${f.fix}`);
        out.line(`score ${report.score}/100 for ${report.target ?? "every domain"} (${report.accounts} accounts): ${counts.high} high, ${counts.medium} medium, ${counts.low} low`);
      }),
    );
}
