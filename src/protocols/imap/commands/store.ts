// STORE and UID STORE (RFC 3501 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3: the UIDs it
// refused come back in [MODIFIED …]). Not allowed on a mailbox opened with EXAMINE.
import { parseStore } from "../codec/store.js";
import { formatFetch } from "../codec/response.js";
import { no, ok, selectedOnly, type ImapCommandHandler } from "../context.js";
import { flagsItem } from "../fetch-items.js";
import { newKeywords } from "../mailbox-flags.js";
import { toUidSet } from "../view.js";

export const store: ImapCommandHandler = {
  names: ["STORE"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const args = parseStore(command.args);
    const view = ctx.selected!;
    if (view.readOnly) return no("Mailbox is read-only", { code: "READ-ONLY" });
    const uids = view.resolve(args.set, command.uid);
    if (args.unchangedSince !== null) await ctx.condstoreUsed();
    if (uids.length === 0) return ok("STORE completed");
    const change = { mode: args.op, flags: args.flags, ...(args.unchangedSince !== null ? { unchangedSince: Number(args.unchangedSince) } : {}) };
    const result = await ctx.backend.mailboxes.setFlags(ctx.user!.userId, view.name, toUidSet(uids), change);
    const changed = new Map(result.changed.map((m) => [m.uid, m]));
    for (const m of result.changed) view.setFlags(m.uid, m.flags);
    const announce = newKeywords(view);
    if (announce !== "") ctx.send(announce);
    const failed = new Set(result.failed);
    const condstore = ctx.enabled.has("CONDSTORE");
    for (const uid of uids) {
      const seq = view.seqOf(uid);
      const m = changed.get(uid);
      if (seq === 0 || failed.has(uid) || (args.silent && !(condstore && m !== undefined))) continue;
      const items: [string, string][] = [];
      if (!args.silent) items.push(["FLAGS", flagsItem(view, uid, view.flags.get(uid) ?? [])]);
      // Under QRESYNC every FETCH response carries the UID (RFC 7162 §3.2.4), so a client can
      // update its cache without mapping sequence numbers.
      if (command.uid || ctx.enabled.has("QRESYNC")) items.push(["UID", String(uid)]);
      if (condstore && m !== undefined) items.push(["MODSEQ", `(${m.modseq})`]);
      ctx.send(formatFetch(seq, items));
    }
    if (failed.size > 0) {
      const set = command.uid ? [...failed] : [...failed].map((uid) => view.seqOf(uid)).filter((n) => n > 0);
      return ok("Conditional STORE failed for some messages", { code: "MODIFIED", set });
    }
    return ok("STORE completed");
  },
};
