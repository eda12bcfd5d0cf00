// USER and PASS (RFC 1939 §7). Off TLS both are refused before anything is checked.
import { err, ok } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";
import { logIn, plaintextRefused } from "../login.js";

export const user: CommandHandler = {
  state: "authorization",
  handle(ctx, command) {
    if (plaintextRefused(ctx)) return;
    if (command.rest === "") return ctx.invalid(err("Syntax: USER name"));
    ctx.expectPassword(command.rest);
    ctx.send(ok("Send your password"));
  },
};

export const pass: CommandHandler = {
  state: "authorization",
  async handle(ctx, command) {
    if (plaintextRefused(ctx)) return;
    const name = ctx.state.kind === "authorization" ? ctx.state.user : null;
    if (name === null) return ctx.invalid(err("Send USER first"));
    ctx.expectPassword(null);
    // RFC 1939 §7: the argument is the rest of the line; a password may contain spaces.
    await logIn(ctx, name, command.rest, "POP3 USER/PASS");
  },
};
