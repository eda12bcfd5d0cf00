// APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315). The literal's size was judged against
// mail.max_message_bytes by the reader before any byte of it was read (NO [TOOBIG]).
import { isMoatError } from "../../../shared/errors.js";
import { parseAppend } from "../codec/list-append.js";
import { loggedIn, no, ok, type ImapCommandHandler } from "../context.js";

export const append: ImapCommandHandler = {
  names: ["APPEND"],
  states: loggedIn,
  async handle(ctx, command) {
    const { mailbox, messages } = parseAppend(command.args);
    const [message] = messages;
    try {
      const r = await ctx.backend.mailboxes.append(ctx.user!.userId, mailbox, message!.message, message!.flags, message!.date?.date.getTime());
      return ok("APPEND completed", { code: "APPENDUID", uidValidity: r.uidValidity, uids: [r.uid] });
    } catch (err) {
      if (isMoatError(err, "mailbox_not_found")) return no("No such mailbox", { code: "TRYCREATE" });
      throw err;
    }
  },
};
