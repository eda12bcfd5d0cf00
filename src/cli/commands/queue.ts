// moat queue list|flush: the outbound queue as an admin sees it (cf. Postfix's mailq and
// postqueue -f).
import type { Command } from "commander";
import type { OutboundRecipient, OutboundStatus } from "../../core/ports/queue.js";
import { outboundStatuses } from "../../core/ports/queue.js";
import { MoatError } from "../../shared/errors.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const recipientJson = (r: OutboundRecipient) => ({
  id: r.id,
  messageId: r.messageId,
  recipient: r.address,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: new Date(r.nextAttemptAt).toISOString(),
  lastError: r.lastError,
});

export function queueCommand(program: Command, io: CliIo): void {
  const queue = program.command("queue").description("the outbound queue");

  queue
    .command("list")
    .description("recipients in the outbound queue, newest first")
    .option("--status <status>", `only this status (${outboundStatuses.join(", ")})`)
    .option("--limit <n>", "how many", "100")
    .action((opts: { status?: string; limit: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        if (opts.status !== undefined && !outboundStatuses.includes(opts.status as OutboundStatus)) {
          throw new MoatError("invalid_input", `--status must be one of ${outboundStatuses.join(", ")}`);
        }
        const limit = Number(opts.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new MoatError("invalid_input", "--limit must be a whole number above 0");
        const rows = await moat.store.outbound.list({ limit, ...(opts.status ? { status: opts.status as OutboundStatus } : {}) });
        outputOf(cmd, io).rows(
          rows,
          {
            ID: (r) => String(r.id),
            RECIPIENT: (r) => r.address,
            STATUS: (r) => r.status,
            ATTEMPTS: (r) => String(r.attempts),
            NEXT: (r) => (r.status === "queued" ? formatTime(r.nextAttemptAt) : ""),
            ERROR: (r) => r.lastError ?? "",
          },
          recipientJson,
        );
      }),
    );

  queue
    .command("flush")
    .description("retry every waiting recipient now (the running server picks them up within queue.poll_seconds)")
    .action((_o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const n = await moat.store.outbound.retryNow(moat.clock.now());
        outputOf(cmd, io).object(`${n} recipients due now`, { due: n });
      }),
    );
}
