// The command table and the one dispatch path: parse the line, refuse what is not a command
// (NUL, cross-protocol HTTP, unknown verbs), check the state the command declares, run it.
import { isHttpVerb, parseCommandLine } from "../codec/command.js";
import { reply } from "../codec/reply.js";
import type { SessionContext, SmtpCommand } from "../context.js";
import { badSequence } from "../replies.js";
import { auth } from "./auth.js";
import { bdat } from "./bdat.js";
import { data } from "./data.js";
import { ehlo, helo } from "./ehlo.js";
import { expn } from "./expn.js";
import { help } from "./help.js";
import { mail } from "./mail.js";
import { noop } from "./noop.js";
import { quit } from "./quit.js";
import { rcpt } from "./rcpt.js";
import { rset } from "./rset.js";
import { starttls } from "./starttls.js";
import { vrfy } from "./vrfy.js";

export const commands: ReadonlyMap<string, SmtpCommand> = new Map(
  [ehlo, helo, mail, rcpt, data, rset, noop, quit, vrfy, expn, help, starttls, auth, bdat].map((c) => [c.verb, c]),
);

export async function dispatch(ctx: SessionContext, line: Buffer, bareLf: boolean): Promise<void> {
  // RFC 5321 §2.3.8; under the reject policy a command ended by a bare LF is not run either
  // (Postfix smtpd_forbid_bare_newline=reject "will refuse commands … with a bare newline").
  if (bareLf && ctx.config.limits.bare_lf === "reject") return ctx.junk(reply(500, "5.5.2", "Commands must end with CRLF"));
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return ctx.junk(reply(501, "5.5.4", parsed.reason === "invalid_utf8" ? "Invalid UTF-8 in command" : "Invalid characters in command"));
  if (isHttpVerb(parsed.verb)) {
    ctx.log.warn({ verb: parsed.verb }, "HTTP request on an SMTP port; closing");
    return ctx.close(reply(502, "5.7.0", "This is an SMTP server, not an HTTP server"));
  }
  const command = commands.get(parsed.verb);
  if (command === undefined) return ctx.junk(reply(500, "5.5.1", "Command unrecognized"));
  const state = ctx.state;
  if (!command.states.includes(state)) return ctx.junk(command.outOfState?.(state) ?? badSequence);
  await command.handle(ctx, parsed.args);
}
