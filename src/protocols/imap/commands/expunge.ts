// EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes \Deleted messages and
// reports each with EXPUNGE (or VANISHED under QRESYNC).
import { parseNoArgs } from "../codec/args.js";
import { parseUidExpunge } from "../codec/store.js";
import { no, ok, selectedOnly, type ImapCommandHandler } from "../context.js";
import { toUidSet } from "../view.js";

export const expunge: ImapCommandHandler = {
  names: ["EXPUNGE"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const view = ctx.selected!;
    let uids: number[] | null = null;
    if (command.uid) uids = view.resolve(parseUidExpunge(command.args), true);
    else parseNoArgs(command.args);
    if (view.readOnly) return no("Mailbox is read-only", { code: "READ-ONLY" });
    if (uids !== null && uids.length === 0) return ok("EXPUNGE completed");
    const result = await ctx.backend.mailboxes.expunge(ctx.user!.userId, view.name, uids === null ? undefined : toUidSet(uids));
    ctx.expunged(result.uids);
    return ok("EXPUNGE completed");
  },
};
