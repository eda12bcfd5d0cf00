// moat session list|revoke: a user's web sessions, as the user sees them in the security
// settings. Revoking is audit-logged; the browser holding a revoked session is logged out at
// its next request.
import type { Command } from "commander";
import type { ListedWebSession } from "../../core/auth/web-sessions.js";
import { MoatError } from "../../shared/errors.js";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";
import { formatTime } from "../output.js";

const sessionJson = (s: ListedWebSession) => ({
  id: s.id,
  browser: s.browser,
  userAgent: s.userAgent,
  ip: s.ip,
  createdAt: new Date(s.createdAt).toISOString(),
  lastSeenAt: new Date(s.lastSeenAt).toISOString(),
  secondFactor: s.secondFactor,
  restriction: s.restriction,
});

function parseId(text: string | undefined, all: boolean | undefined): number | "all" {
  if (all === true && text !== undefined) throw new MoatError("invalid_input", "give a session ID or --all, not both");
  if (all === true) return "all";
  if (text === undefined) throw new MoatError("invalid_input", "give a session ID (see moat session list) or --all");
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new MoatError("invalid_input", `'${text}' is not a session ID`);
  return Number(text);
}

export function sessionCommand(program: Command, io: CliIo): void {
  const session = program.command("session").description("web sessions of a user");

  session
    .command("list <address>")
    .description("list a user's web sessions with browser, address and last seen")
    .action((address: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        outputOf(cmd, io).rows(
          await moat.webSessions.listFor(address),
          {
            ID: (s) => String(s.id),
            BROWSER: (s) => s.browser,
            IP: (s) => s.ip,
            CREATED: (s) => formatTime(s.createdAt),
            "LAST SEEN": (s) => formatTime(s.lastSeenAt),
            STATE: (s) => s.restriction,
          },
          sessionJson,
        );
      }),
    );

  session
    .command("revoke <address> [id]")
    .description("end one web session of a user, or all with --all")
    .option("--all", "every web session of the user")
    .action((address: string, id: string | undefined, opts: { all?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const which = parseId(id, opts.all);
        const revoked = await moat.webSessions.revokeFor(address, which, cliActor());
        outputOf(cmd, io).object(`${revoked} web session(s) of ${address} revoked`, { address, revoked });
      }),
    );
}
