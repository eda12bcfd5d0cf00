// CAPABILITY (RFC 3501 §6.1.1): what this session offers now (STARTTLS and LOGINDISABLED
// before login only).
import { parseNoArgs } from "../codec/args.js";
import { formatCapability } from "../codec/response.js";
import { anyState, ok, type ImapCommandHandler } from "../context.js";

export const capability: ImapCommandHandler = {
  names: ["CAPABILITY"],
  states: anyState,
  handle(ctx, command) {
    parseNoArgs(command.args);
    ctx.send(formatCapability(ctx.capabilities()));
    return ok("Capability completed");
  },
};
