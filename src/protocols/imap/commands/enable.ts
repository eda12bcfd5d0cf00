// ENABLE (RFC 5161): CONDSTORE and QRESYNC (which implies CONDSTORE, RFC 7162 §3.2.3).
import { formatEnabled } from "../codec/response.js";
import { parseEnable } from "../codec/session-args.js";
import { loggedIn, ok, type ImapCommandHandler } from "../context.js";

const known = new Set(["CONDSTORE", "QRESYNC"]);

export const enable: ImapCommandHandler = {
  names: ["ENABLE"],
  states: loggedIn,
  handle(ctx, command) {
    const now: string[] = [];
    for (const cap of parseEnable(command.args)) {
      if (!known.has(cap) || ctx.enabled.has(cap)) continue;
      ctx.enabled.add(cap);
      now.push(cap);
      if (cap === "QRESYNC") ctx.enabled.add("CONDSTORE");
    }
    ctx.send(formatEnabled(now));
    return ok("ENABLE completed");
  },
};
