// moat login-events [ADDRESS] [--domain D] [--state S] [--rule R] [--severity S] [--since 24h|DATE]
// [--limit N] [--before ID] [--json]: abnormal-login events, newest first (issue 8 items 2
// and 3); moat login-events ack ID… | --all [--domain D] [--address A]: acknowledge them, each
// in the audit log. Scripts read the JSON lines: the fields of core/security/anomalies/event-json.ts.
import type { Command } from "commander";
import { loginEventStates } from "../../core/security/anomalies/event-filter.js";
import { loginEventJson } from "../../core/security/anomalies/event-json.js";
import { loginEventRules, severities } from "../../core/ports/login-events.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

interface ListOptions {
  domain?: string;
  state?: string;
  rule?: string;
  severity?: string;
  since?: string;
  limit?: string;
  before?: string;
}

interface AckOptions {
  all?: boolean;
  domain?: string;
  address?: string;
}

function eventIds(texts: readonly string[]): number[] {
  return texts.map((text) => {
    const id = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) throw new MoatError("invalid_input", `ack: '${text}' is not an event id`);
    return id;
  });
}

function ackCommand(events: Command, io: CliIo): void {
  events
    .command("ack [ids...]")
    .description("acknowledge events by id, or --all open events (of --domain, --address)")
    .option("--all", "every open event (of the domain or address given)")
    .option("--domain <domain>", "with --all: only this domain's events")
    .option("--address <address>", "with --all: only this account's events")
    .action((texts: string[], _opts: AckOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        // The parent command knows --domain too and may have taken it: read both levels.
        const opts = cmd.optsWithGlobals<AckOptions>();
        const ids = eventIds(texts);
        if (opts.all === true && ids.length > 0) throw new MoatError("invalid_input", "give event ids or --all, not both");
        if (opts.all !== true && ids.length === 0) throw new MoatError("invalid_input", "give the ids of the events to acknowledge, or --all");
        if (opts.all !== true && (opts.domain !== undefined || opts.address !== undefined)) throw new MoatError("invalid_input", "--domain and --address go with --all");
        const acknowledged =
          opts.all === true ? await moat.loginEvents.acknowledgeAll({ domain: opts.domain, address: opts.address }, cliActor()) : await moat.loginEvents.acknowledge(ids, cliActor());
        outputOf(cmd, io).object(`acknowledged ${acknowledged} event${acknowledged === 1 ? "" : "s"}`, { acknowledged });
      }),
    );
}

export function loginEventsCommand(program: Command, io: CliIo): void {
  const events = program
    .command("login-events [address]")
    .description("abnormal-login events (unfamiliar places and networks, bursts of failures), newest first; ack to acknowledge")
    .option("--domain <domain>", "only events this domain's admins see")
    .option("--state <state>", loginEventStates.join("|"))
    .option("--rule <rule>", loginEventRules.join("|"))
    .option("--severity <severity>", `this or higher: ${severities.join("|")}`)
    .option("--since <when>", "only last seen since a duration ago (24h, 7d) or a date (2026-11-01)")
    .option("--limit <n>", "how many events (at most 1000)", "50")
    .option("--before <id>", "only events older than this event id (paging)")
    .action((address: string | undefined, opts: ListOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const filter = moat.loginEvents.filter(opts, "--");
        const listed = await moat.loginEvents.list({ ...filter, address, domain: opts.domain });
        outputOf(cmd, io).rows(
          listed,
          {
            ID: (e) => String(e.id),
            "LAST-SEEN": (e) => formatTime(e.lastAt),
            ACCOUNT: (e) => e.identity ?? "-",
            RULE: (e) => e.rule,
            SEVERITY: (e) => e.severity,
            COUNT: (e) => String(e.occurrences),
            STATE: (e) => e.state,
            SUMMARY: (e) => e.summary,
          },
          loginEventJson,
        );
      }),
    );
  ackCommand(events, io);
}
