// SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8): the key tree, cheap keys first
// (search-plan.ts), is evaluated over the messages of the view it can match; with a MODSEQ
// key the highest MODSEQ of the matches is added (RFC 7162 §3.1.5). With RETURN (…) the
// answer is one ESEARCH line (RFC 4731) instead of SEARCH.
import type { StoredMessage } from "../../../core/ports/mailstore.js";
import { formatEsearch, formatSearch, type EsearchResult } from "../codec/response.js";
import { parseSearch, type SearchReturn } from "../codec/search.js";
import { bad, ok, selectedOnly, type ImapCommandHandler, type SessionContext } from "../context.js";
import { searchBatch } from "../search-batch.js";
import { usesModseq } from "../search-eval.js";
import { candidateUids, cheapFirst } from "../search-plan.js";
import { toUidSet } from "../view.js";

async function rowsOf(ctx: SessionContext, uids: readonly number[]): Promise<readonly StoredMessage[]> {
  return uids.length === 0 ? [] : ctx.backend.mailboxes.messages(ctx.user!.userId, ctx.selected!.name, toUidSet(uids));
}

/** A match: the number the client gets (UID or sequence number) and the message's MODSEQ. */
interface Match {
  readonly n: number;
  readonly modseq: number;
}

/**
 * RFC 4731 §3.1: "RETURN ()" means ALL; MIN and MAX are left out when nothing matched. With a
 * MODSEQ key, RFC 7162 §3.1.5 (as imaptest's esearch-condstore checks): the highest MODSEQ of the
 * messages returned, so of MIN and MAX alone when only they were asked for. `found` is ascending.
 */
function esearch(returns: readonly SearchReturn[], found: readonly Match[], withModseq: boolean): EsearchResult {
  const want = new Set(returns.length === 0 ? ["ALL"] : returns);
  const [first, last] = [found[0], found[found.length - 1]];
  const reported = want.has("ALL") || want.has("COUNT") ? found : [...(want.has("MIN") && first ? [first] : []), ...(want.has("MAX") && last ? [last] : [])];
  const modseq = reported.reduce((max, m) => Math.max(max, m.modseq), 0);
  return {
    ...(want.has("MIN") && first ? { min: first.n } : {}),
    ...(want.has("MAX") && last ? { max: last.n } : {}),
    ...(want.has("COUNT") ? { count: found.length } : {}),
    ...(want.has("ALL") ? { all: found.map((m) => m.n) } : {}),
    ...(withModseq && modseq > 0 ? { modseq: BigInt(modseq) } : {}),
  };
}

export const search: ImapCommandHandler = {
  names: ["SEARCH"],
  states: selectedOnly,
  uid: true,
  async handle(ctx, command) {
    const args = parseSearch(command.args);
    // SAVE needs SEARCHRES (RFC 5182), which is not offered.
    if (args.returns?.includes("SAVE")) return bad("SEARCH RETURN (SAVE) is not supported");
    const view = ctx.selected!;
    if (usesModseq(args.key)) await ctx.condstoreUsed();
    const key = cheapFirst(args.key);
    const candidates = candidateUids(key, view);
    const rows = candidates === null ? await ctx.backend.mailboxes.messages(ctx.user!.userId, view.name) : await rowsOf(ctx, candidates);
    const found: Match[] = (await searchBatch(ctx.backend, key, view, rows)).map((m) => ({ n: command.uid ? m.uid : view.seqOf(m.uid), modseq: m.modseq }));
    const withModseq = usesModseq(args.key);
    if (args.returns !== null) ctx.send(formatEsearch(command.tag, command.uid, esearch(args.returns, found, withModseq)));
    else ctx.send(formatSearch(found.map((m) => m.n), withModseq ? BigInt(found.reduce((max, m) => Math.max(max, m.modseq), 0)) : null));
    return ok(`${command.uid ? "UID " : ""}SEARCH completed`);
  },
};
