// SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the key tree is evaluated over every
// message of the view; with a MODSEQ key the highest MODSEQ of the matches is added (RFC 7162 §3.1.5).
import { formatSearch } from "../codec/response.js";
import { parseSearch } from "../codec/search.js";
import { ok, selectedOnly, type ImapCommandHandler } from "../context.js";
import { messageSource } from "../fetch-items.js";
import { matches, usesModseq } from "../search-eval.js";


export const search: ImapCommandHandler = {
  names: ["SEARCH"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const args = parseSearch(command.args);
    const view = ctx.selected!;
    const rows = await ctx.backend.mailboxes.messages(ctx.user!.userId, view.name);
    const found: number[] = [];
    let highest = 0;
    for (const message of rows) {
      const seq = view.seqOf(message.uid);
      if (seq === 0) continue;
      if (!(await matches(args.key, { seq, message, source: messageSource(ctx.backend, message) }, view))) continue;
      found.push(command.uid ? message.uid : seq);
      highest = Math.max(highest, message.modseq);
    }
    ctx.send(formatSearch(found, usesModseq(args.key) ? BigInt(highest) : null));
    return ok(`${command.uid ? "UID " : ""}SEARCH completed`);
  },
};
