// VRFY (RFC 5321 §3.5.3, §7.3): always 252, without looking the name up, so that the command
// tells nothing about which accounts exist (test plan SMTP-24).
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const vrfy: SmtpCommand = {
  verb: "VRFY",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx, args) {
    if (args === "") return ctx.junk(reply(501, "5.5.4", "Syntax: VRFY <address>"));
    ctx.send(reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
  },
};
