// ID (RFC 2971): the client's name and version go to the login record (LoginContext.clientId).
import { formatId } from "../codec/response.js";
import { parseId } from "../codec/session-args.js";
import { anyState, ok, type ImapCommandHandler } from "../context.js";

const serverId = new Map<string, string | null>([["name", "Moat"], ["vendor", "Moat"]]);

export const id: ImapCommandHandler = {
  names: ["ID"],
  states: anyState,
  handle(ctx, command) {
    const fields = parseId(command.args);
    if (fields !== null) {
      const text = ["name", "version", "os"].map((k) => fields.get(k)).filter((v): v is string => typeof v === "string").join(" ");
      if (text !== "") ctx.clientId = text.slice(0, 200);
    }
    ctx.send(formatId(serverId));
    return ok("ID completed");
  },
};
