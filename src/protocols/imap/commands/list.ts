// LIST (RFC 3501 §6.3.8, RFC 5258 selection/return options with RECURSIVEMATCH, RFC 6154
// SPECIAL-USE) and LSUB (§6.3.9). "*" matches across levels, "%" within one; \HasChildren/
// \HasNoChildren always (RFC 3348 CHILDREN), special-use attributes always, \Subscribed when
// asked. Subscriptions outlive their mailboxes (§6.3.6): a subscribed name without a mailbox
// is listed by LIST (SUBSCRIBED) as \NonExistent (RFC 5258 §3) and by LSUB as \Noselect (the
// attribute a client without LIST-EXTENDED knows, as Dovecot answers). A mailbox deleted while
// it had children stays as \Noselect (§6.3.4).
import type { Mailbox } from "../../../core/ports/mailstore.js";
import { formatListItem } from "../codec/response.js";
import { parseList, parseLsub } from "../codec/list-append.js";
import { loggedIn, ok, type ImapCommandHandler, type SessionContext } from "../context.js";

/** A LIST pattern as a regular expression; a leading INBOX matches in any case. */
export function patternRegex(pattern: string): RegExp {
  const first = pattern.split("/", 1)[0]!;
  const normal = first.toUpperCase() === "INBOX" ? "INBOX" + pattern.slice(first.length) : pattern;
  const body = normal.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/%/g, "[^/]*");
  return new RegExp(`^${body}$`, "s");
}

/** A name LIST may report: a mailbox, or (box null) a subscription whose mailbox is gone. */
interface Entry {
  readonly name: string;
  readonly box: Mailbox | null;
  readonly subscribed: boolean;
}

/** The user's mailboxes, and with `missing` the subscribed names that have none. */
async function entries(ctx: SessionContext, missing: boolean): Promise<Entry[]> {
  const userId = ctx.user!.userId;
  const all = await ctx.backend.mailboxes.list(userId);
  const subscribed = new Set(await ctx.backend.mailboxes.subscriptions(userId));
  const found: Entry[] = all.map((box) => ({ name: box.name, box, subscribed: subscribed.has(box.name) }));
  if (missing) {
    const names = new Set(all.map((b) => b.name));
    for (const name of subscribed) if (!names.has(name)) found.push({ name, box: null, subscribed: true });
  }
  return found;
}

function attributes(entry: Entry, all: readonly Entry[], what: ListWhat): string[] {
  if (entry.box === null) {
    if (what.command === "LSUB") return ["\\Noselect"];
    return what.subscribed ? ["\\NonExistent", "\\Subscribed"] : ["\\NonExistent"];
  }
  // LSUB answers no other attribute, as Dovecot does (RFC 3348 leaves child attributes to LIST).
  if (what.command === "LSUB") return entry.box.noselect ? ["\\Noselect"] : [];
  const attrs = entry.box.noselect ? ["\\Noselect"] : [];
  attrs.push(all.some((b) => b.box !== null && b.name.startsWith(`${entry.name}/`)) ? "\\HasChildren" : "\\HasNoChildren");
  if (entry.box.specialUse !== null) attrs.push(entry.box.specialUse);
  if (what.subscribed && entry.subscribed) attrs.push("\\Subscribed");
  return attrs;
}

interface ListWhat {
  readonly filter: (e: Entry) => boolean;
  /** Whether \Subscribed is among the attributes (RETURN (SUBSCRIBED) or selection SUBSCRIBED). */
  readonly subscribed: boolean;
  readonly command: "LIST" | "LSUB";
  /**
   * RECURSIVEMATCH (RFC 5258 §3.5): a mailbox the pattern matches but the selection does not is
   * still listed, with CHILDINFO, when a descendant the patterns do not reach is selected.
   */
  readonly childInfo: boolean;
}

function listBoxes(ctx: SessionContext, all: readonly Entry[], patterns: readonly string[], what: ListWhat): void {
  const regexes = patterns.map(patternRegex);
  const matched = (name: string) => regexes.some((r) => r.test(name));
  for (const entry of all) {
    if (!matched(entry.name)) continue;
    const attrs = attributes(entry, all, what);
    if (what.filter(entry)) ctx.send(formatListItem(attrs, entry.name, { command: what.command }));
    else if (what.childInfo && all.some((d) => d.name.startsWith(`${entry.name}/`) && what.filter(d) && !matched(d.name))) {
      ctx.send(formatListItem(attrs, entry.name, { command: what.command, childInfo: true }));
    }
  }
}

/**
 * RFC 3501 §6.3.9: when "%" stops above a subscribed mailbox whose parent is not subscribed,
 * the parent is still listed, as \Noselect, so the client can find its way down.
 */
function unsubscribedParents(ctx: SessionContext, all: readonly Entry[], pattern: string): void {
  const subscribed = new Set(all.filter((e) => e.subscribed).map((e) => e.name));
  const regex = patternRegex(pattern);
  const sent = new Set<string>();
  for (const name of subscribed) {
    if (regex.test(name)) continue; // listed itself: "*" reached it
    const parts = name.split("/");
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join("/");
      if (subscribed.has(parent) || sent.has(parent) || !regex.test(parent)) continue;
      sent.add(parent);
      ctx.send(formatListItem(["\\Noselect"], parent, { command: "LSUB" }));
    }
  }
}

export const list: ImapCommandHandler = {
  names: ["LIST"],
  states: loggedIn,
  async handle(ctx, command) {
    const args = parseList(command.args);
    // An empty pattern asks for the hierarchy delimiter (§6.3.8).
    if (args.patterns.length === 1 && args.patterns[0] === "") {
      ctx.send('* LIST (\\Noselect) "/" ""\r\n');
      return ok("LIST completed");
    }
    const onlySubscribed = args.selection.includes("SUBSCRIBED");
    const onlySpecial = args.selection.includes("SPECIAL-USE");
    const filter = (e: Entry) => (!onlySubscribed || e.subscribed) && (!onlySpecial || (e.box?.specialUse ?? null) !== null);
    const childInfo = args.selection.includes("RECURSIVEMATCH");
    const all = await entries(ctx, onlySubscribed);
    listBoxes(ctx, all, args.patterns.filter((p) => p !== ""), { filter, subscribed: onlySubscribed || args.returns.includes("SUBSCRIBED"), command: "LIST", childInfo });
    return ok("LIST completed");
  },
};

export const lsub: ImapCommandHandler = {
  names: ["LSUB"],
  states: loggedIn,
  async handle(ctx, command) {
    const { pattern } = parseLsub(command.args);
    if (pattern === "") {
      ctx.send('* LSUB (\\Noselect) "/" ""\r\n');
      return ok("LSUB completed");
    }
    const all = await entries(ctx, true);
    listBoxes(ctx, all, [pattern], { filter: (e) => e.subscribed, subscribed: false, command: "LSUB", childInfo: false });
    unsubscribedParents(ctx, all, pattern);
    return ok("LSUB completed");
  },
};
