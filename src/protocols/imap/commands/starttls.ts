// STARTTLS (RFC 3501 §6.2.1, RFC 2595): only before login and only once. The session drops
// anything pipelined after the command (CVE-2011-0411 class) before the handshake.
import { parseNoArgs } from "../codec/args.js";
import { bad, type ImapCommandHandler } from "../context.js";

export const starttls: ImapCommandHandler = {
  names: ["STARTTLS"],
  states: ["not-authenticated"],
  async handle(ctx, command) {
    parseNoArgs(command.args);
    if (!ctx.startTlsAvailable) return bad(ctx.tls ? "TLS is already active" : "STARTTLS is not available");
    await ctx.startTls(command.tag);
  },
};
