// NAMESPACE (RFC 2342): one personal namespace, prefix "", separator "/".
import { parseNoArgs } from "../codec/args.js";
import { formatNamespace } from "../codec/response.js";
import { loggedIn, ok, type ImapCommandHandler } from "../context.js";

export const namespace: ImapCommandHandler = {
  names: ["NAMESPACE"],
  states: loggedIn,
  handle(ctx, command) {
    parseNoArgs(command.args);
    ctx.send(formatNamespace());
    return ok("NAMESPACE completed");
  },
};
