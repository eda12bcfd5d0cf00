// STLS (RFC 2595 §4): only in AUTHORIZATION, only once, only with a certificate. Whatever the
// client pipelined after it is dropped (session.startTls), and the session starts over.
import { err } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";

export const stls: CommandHandler = {
  state: "authorization",
  async handle(ctx, command) {
    if (command.args.length > 0) return ctx.invalid(err("Syntax: STLS"));
    if (!ctx.startTlsAvailable) return ctx.invalid(err("STLS is not available"));
    await ctx.startTls();
  },
};
