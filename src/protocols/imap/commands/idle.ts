// IDLE (RFC 2177): changes to the selected mailbox are sent as they happen, from the events
// bus, until the client sends DONE; a keepalive line in between (test plan IMAP-21).
import { parseNoArgs } from "../codec/args.js";
import { bad, loggedIn, ok, type ImapCommandHandler } from "../context.js";

export const idle: ImapCommandHandler = {
  names: ["IDLE"],
  states: loggedIn,
  async handle(ctx, command) {
    parseNoArgs(command.args);
    ctx.send("+ idling\r\n");
    const stop = ctx.liveUpdates();
    const keepalive = setInterval(() => ctx.send("* OK Still here\r\n"), ctx.limits.idleKeepaliveMs);
    const line = await ctx.readLine();
    clearInterval(keepalive);
    stop();
    if (line === null) return;
    if (line === "too-long" || line.toString("latin1").toUpperCase() !== "DONE") return bad("Expected DONE");
    return ok("IDLE terminated");
  },
};
