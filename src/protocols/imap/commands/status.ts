// STATUS (RFC 3501 §6.3.10, HIGHESTMODSEQ from RFC 7162, SIZE from RFC 8438, APPENDLIMIT from RFC 7889).
import { formatStatusItem } from "../codec/response.js";
import { parseStatus, type StatusItem } from "../codec/select.js";
import { loggedIn, ok, type ImapCommandHandler } from "../context.js";

export const status: ImapCommandHandler = {
  names: ["STATUS"],
  states: loggedIn,
  async handle(ctx, command) {
    const { mailbox, items } = parseStatus(command.args);
    // Asking for HIGHESTMODSEQ turns CONDSTORE on (RFC 7162 §3.1).
    if (items.includes("HIGHESTMODSEQ")) await ctx.condstoreUsed();
    const s = await ctx.backend.mailboxes.status(ctx.user!.userId, mailbox);
    const values: Record<StatusItem, number> = {
      MESSAGES: s.messages,
      RECENT: s.recent,
      UIDNEXT: s.uidNext,
      UIDVALIDITY: s.uidValidity,
      UNSEEN: s.unseen,
      HIGHESTMODSEQ: s.highestModseq,
      SIZE: s.size,
      APPENDLIMIT: ctx.limits.maxMessageBytes,
    };
    ctx.send(formatStatusItem(mailbox, items.map((item) => [item, values[item]] as const)));
    return ok("STATUS completed");
  },
};
