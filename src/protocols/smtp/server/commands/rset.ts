// RSET (RFC 5321 §4.1.1.5): ends the transaction; the greeting and any AUTH stay.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const rset: SmtpCommand = {
  verb: "RSET",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx, args) {
    if (args !== "") return ctx.junk(reply(501, "5.5.4", "RSET takes no parameters"));
    ctx.transaction = null;
    ctx.send(reply(250, "2.0.0", "Ok"));
  },
};
