// moat trace [--from ADDR] [--to ADDR] [--subject TEXT] [--message-id ID] [--decision D]
// [--since DURATION] [--limit N] and moat trace show ID: the message trace (issue 7 item 9),
// newest first — where a message went, and which stage decided what for whom.
import type { Command } from "commander";
import type { MessageTrace } from "../../core/flow/trace.js";
import { MoatError } from "../../shared/errors.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";
import { parseDuration } from "./ip.js";

const decisions: readonly MessageTrace["decision"][] = ["accepted", "rejected", "tempfail"];

const traceJson = (t: MessageTrace) => ({ ...t, at: new Date(t.at).toISOString() });

interface Options {
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  decision?: string;
  since?: string;
  limit: string;
}

function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new MoatError("invalid_input", "--limit must be a whole number from 1 to 10000");
  return n;
}

function decisionOf(text: string | undefined): MessageTrace["decision"] | undefined {
  if (text === undefined) return undefined;
  if (!(decisions as readonly string[]).includes(text)) throw new MoatError("invalid_input", `--decision: expected ${decisions.join("|")}, not '${text}'`);
  return text as MessageTrace["decision"];
}

function stagesText(t: MessageTrace): string {
  const head = [`trace ${t.id}  ${formatTime(t.at)}  ${t.origin}  ${t.decision}`, `  from ${t.mailFrom ?? "<>"} to ${t.recipients.join(", ")}`];
  if (t.subject !== "") head.push(`  subject ${t.subject}`);
  if (t.messageId !== "") head.push(`  message-id <${t.messageId}>`);
  return [...head, ...t.stages.map((s) => `  ${s.stage}: ${s.decision}${s.recipients ? ` [${s.recipients.join(", ")}]` : ""} (${s.reason}) ${s.text}`)].join("\n");
}

export function traceCommand(program: Command, io: CliIo): void {
  const trace = program
    .command("trace")
    .description("message traces, newest first: each message's path through the mail-flow stages")
    .option("--from <address>", "envelope sender")
    .option("--to <address>", "a recipient")
    .option("--subject <text>", "part of the subject")
    .option("--message-id <id>", "the Message-ID header")
    .option("--decision <decision>", decisions.join("|"))
    .option("--since <duration>", "only the last e.g. 30m, 24h, 7d")
    .option("--limit <n>", "how many traces", "50")
    .action((opts: Options, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const found = await moat.flowSettings.traces({
          from: opts.from?.toLowerCase(),
          to: opts.to?.toLowerCase(),
          subject: opts.subject,
          messageId: opts.messageId,
          decision: decisionOf(opts.decision),
          since: opts.since === undefined ? undefined : moat.clock.now() - parseDuration(opts.since),
          limit: limitOf(opts.limit),
        });
        outputOf(cmd, io).rows(
          found,
          {
            TIME: (t) => formatTime(t.at),
            ID: (t) => t.id,
            FROM: (t) => t.mailFrom ?? "<>",
            TO: (t) => t.recipients.join(","),
            DECISION: (t) => t.decision,
            SUBJECT: (t) => t.subject.slice(0, 60),
          },
          traceJson,
        );
      }),
    );

  trace
    .command("show <id>")
    .description("one trace with every stage's decision")
    .action((id: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const found = await moat.flowSettings.trace(id);
        outputOf(cmd, io).object(stagesText(found), traceJson(found));
      }),
    );
}
