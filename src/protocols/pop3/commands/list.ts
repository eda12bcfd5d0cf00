// LIST and UIDL (RFC 1939 §7): one message, or a line for every message not marked as deleted.
// UIDL's ids come from the maildrop (UIDVALIDITY + UID), so they are the same in every session.
import type { MaildropEntry } from "../../../core/maildrop/maildrop.js";
import { multiline, ok } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";
import { messageArg, tooManyArgs } from "./args.js";

function listing(name: string, value: (entry: MaildropEntry) => string | number): CommandHandler {
  return {
    state: "transaction",
    handle(ctx, maildrop, command) {
      if (tooManyArgs(ctx, command.args, 1, `${name} [msg]`)) return;
      if (command.args.length === 1) {
        const entry = messageArg(ctx, maildrop, command.args[0]);
        if (entry !== null) ctx.send(ok(`${entry.number} ${value(entry)}`));
        return;
      }
      const lines = [...maildrop.live()].map((entry) => `${entry.number} ${value(entry)}`);
      const { count, octets } = maildrop.stat();
      ctx.send(multiline(name === "LIST" ? `${count} messages (${octets} octets)` : "Unique-ID listing follows", lines));
    },
  };
}

export const list = listing("LIST", (entry) => entry.size);
export const uidl = listing("UIDL", (entry) => entry.uidl);
