// BDAT (RFC 3030) is not offered: CHUNKING is not advertised. A client sending it anyway
// follows it with a byte-counted chunk we would otherwise read as commands, so the framing
// is lost: answer and close instead of guessing where the chunk ends.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const bdat: SmtpCommand = {
  verb: "BDAT",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx) {
    ctx.log.info("BDAT without CHUNKING; closing");
    ctx.close(reply(502, "5.5.1", "CHUNKING is not supported; closing connection"));
  },
};
