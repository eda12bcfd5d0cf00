// COPY, MOVE and their UID forms (RFC 3501 §6.4.7, RFC 6851, COPYUID from RFC 4315). A missing
// target is NO [TRYCREATE] so the client may CREATE it and retry.
import { isMoatError } from "../../../shared/errors.js";
import { untaggedStatus } from "../codec/response.js";
import { parseCopy } from "../codec/store.js";
import { no, ok, selectedOnly, type ImapCommandHandler } from "../context.js";
import { toUidSet } from "../view.js";

export const copy: ImapCommandHandler = {
  names: ["COPY", "MOVE"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const { set, mailbox } = parseCopy(command.args);
    const view = ctx.selected!;
    const move = command.name === "MOVE";
    if (move && view.readOnly) return no("Mailbox is read-only", { code: "READ-ONLY" });
    const uids = view.resolve(set, command.uid);
    if (uids.length === 0) return ok(`${command.name} completed (no messages)`);
    const userId = ctx.user!.userId;
    try {
      if (!move) {
        const r = await ctx.backend.mailboxes.copy(userId, view.name, toUidSet(uids), mailbox);
        return ok("COPY completed", { code: "COPYUID", uidValidity: r.uidValidity, source: r.sourceUids, dest: r.targetUids });
      }
      const r = await ctx.backend.mailboxes.move(userId, view.name, toUidSet(uids), mailbox);
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
      ctx.send(untaggedStatus("OK", "Moved", { code: "COPYUID", uidValidity: r.uidValidity, source: r.sourceUids, dest: r.targetUids }));
      ctx.expunged(r.expunged.uids);
      return ok("MOVE completed");
    } catch (err) {
      if (isMoatError(err, "mailbox_not_found")) return no("No such target mailbox", { code: "TRYCREATE" });
      throw err;
    }
  },
};
