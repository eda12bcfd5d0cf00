// SELECT and EXAMINE (RFC 3501 §6.3.1–2) with CONDSTORE (RFC 7162 §3.1.8) and QRESYNC
// (§3.2.5: VANISHED (EARLIER) and FETCH FLAGS for what changed since the client's MODSEQ).
// A failed SELECT leaves the session authenticated with nothing selected.
import { formatVanished, untagged, untaggedStatus } from "../codec/response.js";
import { parseSelect, type QresyncParams } from "../codec/select.js";
import { bad, loggedIn, ok, type ImapCommandHandler, type SessionContext } from "../context.js";
import { flagsItem } from "../fetch-items.js";
import { mailboxFlags } from "../mailbox-flags.js";
import { MailboxView } from "../view.js";

async function qresync(ctx: SessionContext, view: MailboxView, params: QresyncParams): Promise<void> {
  if (params.uidValidity !== view.mailbox.uidValidity) return;
  const userId = ctx.user!.userId;
  const since = Number(params.modseq);
  const vanished = await ctx.backend.mailboxes.vanishedSince(userId, view.name, since);
  const known = params.knownUids;
  const reported = known === null ? vanished : vanished.filter((uid) => known.contains(uid, 4294967295));
  if (reported.length > 0) ctx.send(formatVanished(reported, true));
  for (const m of await ctx.backend.mailboxes.changedSince(userId, view.name, since)) {
    const seq = view.seqOf(m.uid);
    if (seq > 0) ctx.send(untagged(`${seq} FETCH (UID ${m.uid} FLAGS ${flagsItem(view, m.uid, m.flags)} MODSEQ (${m.modseq}))`));
  }
}

export const select: ImapCommandHandler = {
  names: ["SELECT", "EXAMINE"],
  states: loggedIn,
  async handle(ctx, command) {
    const args = parseSelect(command.args);
    // RFC 7162 §3.2.5: BAD when the client has not sent ENABLE QRESYNC on this connection.
    if (args.qresync !== null && !ctx.enabled.has("QRESYNC")) return bad("QRESYNC is not enabled", { code: "CLIENTBUG" });
    const hadSelected = ctx.selected !== null;
    ctx.select(null);
    if (hadSelected && ctx.enabled.has("QRESYNC")) ctx.send(untaggedStatus("OK", "Previous mailbox closed", { code: "CLOSED" }));
    if (args.condstore) ctx.enabled.add("CONDSTORE");
    const readOnly = command.name === "EXAMINE";
    const result = await ctx.backend.mailboxes.select(ctx.user!.userId, args.mailbox, readOnly);
    const view = new MailboxView(result.mailbox, result.snapshot, readOnly, result.recent);
    const box = result.mailbox;
    const firstUnseen = result.snapshot.firstUnseen;
    // One write for the lot (a syscall per line was a quarter of a SELECT's CPU).
    ctx.send(
      [
        mailboxFlags(view),
        untagged(`${view.exists} EXISTS`),
        untagged(`${view.recentCount} RECENT`),
        firstUnseen > 0 ? untaggedStatus("OK", "First unseen", { code: "UNSEEN", value: firstUnseen }) : "",
        untaggedStatus("OK", "UIDs valid", { code: "UIDVALIDITY", value: box.uidValidity }),
        untaggedStatus("OK", "Predicted next UID", { code: "UIDNEXT", value: box.uidNext }),
        untaggedStatus("OK", "Highest", { code: "HIGHESTMODSEQ", value: BigInt(box.highestModseq) }),
      ].join(""),
    );
    if (args.qresync !== null) await qresync(ctx, view, args.qresync);
    ctx.select(view);
    return ok(`${command.name} completed`, { code: readOnly ? "READ-ONLY" : "READ-WRITE" });
  },
};

export const close: ImapCommandHandler = {
  names: ["CLOSE", "UNSELECT"],
  states: ["selected"],
  async handle(ctx, command) {
    const view = ctx.selected!;
    ctx.select(null);
    // CLOSE expunges silently (RFC 3501 §6.4.2); UNSELECT does not (RFC 3691).
    if (command.name === "CLOSE" && !view.readOnly) await ctx.backend.mailboxes.expunge(ctx.user!.userId, view.name);
    return ok(`${command.name} completed`);
  },
};
