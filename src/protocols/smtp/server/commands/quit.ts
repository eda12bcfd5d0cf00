// QUIT (RFC 5321 §4.1.1.10): 221, then close; anything pipelined after it is never read.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const quit: SmtpCommand = {
  verb: "QUIT",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx) {
    ctx.close(reply(221, "2.0.0", `${ctx.config.hostname} closing connection`));
  },
};
