// moat logins [ADDRESS] [--domain D] [--ip IP|CIDR] [--country CC] [--result R] [--since 24h|DATE]
// [--until DATE] [--limit N] [--before ID] [--json]: the login records, newest first, with
// where each came from (issue 8 item 1, decision 0024). Scripts read the JSON lines: one
// object per record, the fields of core/security/login-json.ts.
import type { Command } from "commander";
import type { LoginRecord } from "../../core/auth/types.js";
import { loginResults, parseLoginFilter } from "../../core/security/login-filter.js";
import { loginRecordJson } from "../../core/security/login-json.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

/** "Lagos, NG AS37148", "private", "" (a record from before places were kept). */
export function placeOf(r: LoginRecord): string {
  if (r.network !== "public") return r.network ?? "";
  const where = [r.city, r.country].filter((part) => part !== null).join(", ");
  return r.asn === null ? where : `${where} AS${r.asn}`;
}

interface LoginsOptions {
  domain?: string;
  ip?: string;
  country?: string;
  result?: string;
  since?: string;
  until?: string;
  limit?: string;
  before?: string;
}

export function loginsCommand(program: Command, io: CliIo): void {
  program
    .command("logins [address]")
    .description("login records (every attempt, successful or not), newest first, with where each came from")
    .option("--domain <domain>", "only this domain's accounts and names")
    .option("--ip <ip>", "only from this address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32)")
    .option("--country <cc>", "only from this country (ISO code, e.g. DE)")
    .option("--result <result>", loginResults.join("|"))
    .option("--since <when>", "only since a duration ago (24h, 7d) or a date (2026-11-01)")
    .option("--until <when>", "only before a date (or a duration ago)")
    .option("--limit <n>", "how many records (at most 1000)", "50")
    .option("--before <id>", "only records older than this record id (paging)")
    .action((address: string | undefined, opts: LoginsOptions, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const filter = parseLoginFilter(opts, moat.clock.now(), "--");
        const records = await moat.logins.list({ ...filter, address, domain: opts.domain });
        outputOf(cmd, io).rows(
          records,
          {
            ID: (r) => String(r.id),
            TIME: (r) => formatTime(r.at),
            ADDRESS: (r) => r.identity,
            CHANNEL: (r) => r.channel,
            METHOD: (r) => r.method + (r.appPasswordName === null ? "" : ` (${r.appPasswordName})`),
            IP: (r) => r.ip,
            PLACE: placeOf,
            RESULT: (r) => r.result,
            REASON: (r) => r.reason,
          },
          // One JSON line per record: the fields scripts rely on (decision 0024).
          loginRecordJson,
        );
      }),
    );
}
