// moat logins [ADDRESS] [--json]: the login records, newest first.
import type { Command } from "commander";
import type { LoginRecord } from "../../core/auth/types.js";
import { MoatError } from "../../shared/errors.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

export const loginJson = (r: LoginRecord) => ({
  id: r.id,
  time: new Date(r.at).toISOString(),
  address: r.identity,
  channel: r.channel,
  method: r.method,
  ip: r.ip,
  clientId: r.clientId,
  result: r.result,
  reason: r.reason,
});

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new MoatError("invalid_input", `${name} must be a whole number above 0`);
  return n;
}

export function loginsCommand(program: Command, io: CliIo): void {
  program
    .command("logins [address]")
    .description("login records (every attempt, successful or not), newest first")
    .option("--limit <n>", "how many records", "50")
    .option("--before <id>", "only records older than this record id (paging)")
    .action((address: string | undefined, opts: { limit: string; before?: string }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const records = await moat.logins.list({
          address,
          limit: positiveInt(opts.limit, "--limit"),
          beforeId: opts.before === undefined ? undefined : positiveInt(opts.before, "--before"),
        });
        outputOf(cmd, io).rows(
          records,
          {
            TIME: (r) => formatTime(r.at),
            ADDRESS: (r) => r.identity,
            CHANNEL: (r) => r.channel,
            IP: (r) => r.ip,
            RESULT: (r) => r.result,
            REASON: (r) => r.reason,
            CLIENT: (r) => r.clientId ?? "",
          },
          loginJson,
        );
      }),
    );
}
