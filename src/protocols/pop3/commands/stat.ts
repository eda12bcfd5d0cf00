// STAT, NOOP and RSET (RFC 1939 §5): the maildrop's count and size, nothing, and unmarking.
import { err, ok } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";
import { tooManyArgs } from "./args.js";

export const stat: CommandHandler = {
  state: "transaction",
  handle(ctx, maildrop, command) {
    if (tooManyArgs(ctx, command.args, 0, "STAT")) return;
    const { count, octets } = maildrop.stat();
    ctx.send(ok(`${count} ${octets}`));
  },
};

export const noop: CommandHandler = {
  state: "transaction",
  handle(ctx, _maildrop, command) {
    if (tooManyArgs(ctx, command.args, 0, "NOOP")) return;
    ctx.send(ok(""));
  },
};

export const rset: CommandHandler = {
  state: "transaction",
  handle(ctx, maildrop, command) {
    if (command.args.length > 0) return ctx.invalid(err("Syntax: RSET"));
    maildrop.unmarkAll();
    const { count, octets } = maildrop.stat();
    ctx.send(ok(`${count} messages (${octets} octets)`));
  },
};
