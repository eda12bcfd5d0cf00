// NOOP (RFC 5321 §4.1.1.9): any argument is ignored.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const noop: SmtpCommand = {
  verb: "NOOP",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx) {
    ctx.send(reply(250, "2.0.0", "Ok"));
  },
};
