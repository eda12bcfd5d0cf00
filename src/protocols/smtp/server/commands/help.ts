// HELP (RFC 5321 §4.1.1.8): a short list of commands, the same for everyone.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const help: SmtpCommand = {
  verb: "HELP",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx) {
    ctx.send(reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH; see RFC 5321"));
  },
};
