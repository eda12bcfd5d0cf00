// APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315) and MULTIAPPEND (RFC 3502: several
// messages in one command, all stored or none). The literals' sizes were judged against
// mail.max_message_bytes by the reader before any byte of them was read (NO [TOOBIG]).
import { isMoatError } from "../../../shared/errors.js";
import { parseAppend } from "../codec/list-append.js";
import { loggedIn, no, ok, type ImapCommandHandler } from "../context.js";

export const append: ImapCommandHandler = {
  names: ["APPEND"],
  states: loggedIn,
  async handle(ctx, command) {
    const { mailbox, messages } = parseAppend(command.args, { multiAppend: true });
    const inputs = messages.map((m) => ({ raw: m.message, flags: m.flags, internalDate: m.date?.date.getTime() }));
    try {
      const results = await ctx.backend.mailboxes.appendMany(ctx.user!.userId, mailbox, inputs);
      return ok("APPEND completed", { code: "APPENDUID", uidValidity: results[0]!.uidValidity, uids: results.map((r) => r.uid) });
    } catch (err) {
      if (isMoatError(err, "mailbox_not_found")) return no("No such mailbox", { code: "TRYCREATE" });
      throw err;
    }
  },
};
