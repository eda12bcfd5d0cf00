// EXPN (RFC 5321 §3.5.2, §7.3): not implemented; expanding a group would list its members to
// anyone who asks (test plan SMTP-24).
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const expn: SmtpCommand = {
  verb: "EXPN",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx) {
    ctx.send(reply(502, "5.5.1", "EXPN is not available"));
  },
};
