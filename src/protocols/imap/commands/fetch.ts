// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8) with CHANGEDSINCE and VANISHED (RFC 7162).
// Reading a body section without PEEK sets \Seen first and returns the new FLAGS (§6.4.5).
import type { StoredMessage } from "../../../core/ports/mailstore.js";
import type { FetchAttr } from "../codec/fetch.js";
import { parseFetch } from "../codec/fetch.js";
import { formatFetch, formatVanished } from "../codec/response.js";
import { ok, selectedOnly, type ImapCommandHandler, type SessionContext } from "../context.js";
import { fetchItems, messageSource, setsSeen } from "../fetch-items.js";
import { toUidSet } from "../view.js";


/** Sets \Seen on the unseen messages among `rows`; returns the rows with their new flags. */
async function markSeen(ctx: SessionContext, rows: StoredMessage[]): Promise<StoredMessage[]> {
  const view = ctx.selected!;
  const unseen = rows.filter((m) => !m.flags.some((f) => f.toLowerCase() === "\\seen")).map((m) => m.uid);
  if (unseen.length === 0) return rows;
  const result = await ctx.backend.mailboxes.setFlags(ctx.user!.userId, view.name, toUidSet(unseen), { mode: "add", flags: ["\\Seen"] });
  const changed = new Map(result.changed.map((m) => [m.uid, m]));
  for (const m of result.changed) view.flags.set(m.uid, m.flags);
  return rows.map((m) => changed.get(m.uid) ?? m);
}

export const fetch: ImapCommandHandler = {
  names: ["FETCH"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const args = parseFetch(command.args, command.uid);
    const view = ctx.selected!;
    const userId = ctx.user!.userId;
    const uids = view.resolve(args.set, command.uid);
    if (args.vanished && args.changedSince !== null) {
      const max = view.lastUid;
      const gone = (await ctx.backend.mailboxes.vanishedSince(userId, view.name, Number(args.changedSince))).filter((uid) => args.set.contains(uid, max));
      if (gone.length > 0) ctx.send(formatVanished(gone, true));
    }
    let rows = uids.length === 0 ? [] : await ctx.backend.mailboxes.messages(userId, view.name, toUidSet(uids));
    if (args.changedSince !== null) rows = rows.filter((m) => BigInt(m.modseq) > args.changedSince!);
    let attrs: readonly FetchAttr[] = args.attrs;
    if (setsSeen(attrs) && !view.readOnly) {
      const before = rows;
      rows = await markSeen(ctx, rows);
      if (rows.some((m, i) => m !== before[i]) && !attrs.some((a) => a.kind === "simple" && a.name === "FLAGS")) attrs = [...attrs, { kind: "simple", name: "FLAGS" }];
    }
    if (attrs.some((a) => a.kind === "binary" || a.kind === "binary-size")) return { status: "NO", text: "BINARY is not supported", code: { code: "CANNOT" } };
    for (const m of rows) {
      const seq = view.seqOf(m.uid);
      if (seq === 0) continue;
      ctx.send(formatFetch(seq, await fetchItems(attrs, view, m, messageSource(ctx.backend, m))));
    }
    return ok(`${command.uid ? "UID " : ""}FETCH completed`);
  },
};
