// DELE (RFC 1939 §6): only marks. Nothing changes in the store until QUIT (quit.ts).
import { err, ok } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";
import { messageArg } from "./args.js";

export const dele: CommandHandler = {
  state: "transaction",
  handle(ctx, maildrop, command) {
    if (command.args.length !== 1) return ctx.invalid(err("Syntax: DELE msg"));
    const entry = messageArg(ctx, maildrop, command.args[0]);
    if (entry === null) return;
    maildrop.mark(entry.number);
    ctx.send(ok(`Message ${entry.number} deleted`));
  },
};
