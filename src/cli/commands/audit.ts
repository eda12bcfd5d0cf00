// moat audit list [--target X] [--limit N] [--json]: the admin audit log, newest first.
import type { Command } from "commander";
import type { AuditEntry } from "../../core/ports/login-security.js";
import { MoatError } from "../../shared/errors.js";
import { heldMailCommands } from "./held-mail.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

export const auditJson = (e: AuditEntry) => ({
  id: e.id,
  time: new Date(e.at).toISOString(),
  actor: e.actor,
  action: e.action,
  target: e.target,
  before: e.before,
  after: e.after,
});

export function auditCommand(program: Command, io: CliIo): void {
  const audit = program.command("audit").description("the admin audit log (audit list), and approval of held mail (audit held|approve|reject|add|remove)");
  heldMailCommands(audit, io);
  audit
    .command("list")
    .description("audit entries, newest first")
    .option("--limit <n>", "how many entries", "50")
    .option("--target <target>", "only changes to this address, domain or CIDR")
    .action((opts: { limit: string; target?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const limit = Number(opts.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new MoatError("invalid_input", "--limit must be a whole number above 0");
        const entries = await moat.loginSecurity.audit.list({ limit, target: opts.target });
        outputOf(cmd, io).rows(
          entries,
          {
            TIME: (e) => formatTime(e.at),
            ACTOR: (e) => e.actor,
            ACTION: (e) => e.action,
            TARGET: (e) => e.target,
            BEFORE: (e) => JSON.stringify(e.before),
            AFTER: (e) => JSON.stringify(e.after),
          },
          auditJson,
        );
      }),
    );
}
