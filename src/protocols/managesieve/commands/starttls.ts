// STARTTLS (RFC 5804 §2.2): before login, once, with a certificate. Whatever the client
// pipelined after it is dropped (net/starttls.ts); the capabilities follow the handshake.
import type { CommandHandler } from "../context.js";

export const starttls: CommandHandler = {
  state: "unauthenticated",
  async handle(ctx, args) {
    if (args.length > 0) return ctx.invalid("Syntax: STARTTLS");
    if (!ctx.startTlsAvailable) return ctx.invalid("STARTTLS is not available");
    await ctx.startTls();
  },
};
