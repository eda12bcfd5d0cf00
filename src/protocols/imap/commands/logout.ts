// LOGOUT (RFC 3501 §6.1.3): BYE, the tagged OK, close.
import { parseNoArgs } from "../codec/args.js";
import { tagged, untaggedStatus } from "../codec/response.js";
import { anyState, type ImapCommandHandler } from "../context.js";

export const logout: ImapCommandHandler = {
  names: ["LOGOUT"],
  states: anyState,
  handle(ctx, command) {
    parseNoArgs(command.args);
    // One write for both lines: a login-per-connection client (most phones) pays a syscall less.
    ctx.send(untaggedStatus("BYE", `${ctx.hostname} logging out`) + tagged(command.tag, "OK", "LOGOUT completed"));
    ctx.close();
  },
};
