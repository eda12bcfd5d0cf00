// NOOP (RFC 3501 §6.1.2) and CHECK (§6.4.1): nothing to do but report the selected mailbox's
// changes, which the session does before every tagged reply.
import { parseNoArgs } from "../codec/args.js";
import { anyState, ok, selectedOnly, type ImapCommandHandler } from "../context.js";

export const noop: ImapCommandHandler = {
  names: ["NOOP"],
  states: anyState,
  handle(_ctx, command) {
    parseNoArgs(command.args);
    return ok("NOOP completed");
  },
};

export const check: ImapCommandHandler = {
  names: ["CHECK"],
  states: selectedOnly,
  handle(_ctx, command) {
    parseNoArgs(command.args);
    return ok("CHECK completed");
  },
};
