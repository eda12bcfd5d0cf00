// LIST (RFC 3501 §6.3.8, RFC 5258 selection/return options with RECURSIVEMATCH, RFC 6154
// SPECIAL-USE) and LSUB (§6.3.9). "*" matches across levels, "%" within one; \HasChildren/
// \HasNoChildren always (RFC 3348 CHILDREN), special-use attributes always, \Subscribed when
// asked. A subscription lives on the mailbox row, so it goes when the mailbox is deleted: a
// subscribed name without a mailbox is never listed as \NonExistent (RFC 5258 §3.4 would).
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

function attributes(box: Mailbox, all: readonly Mailbox[], subscribed: boolean): string[] {
  const attrs = [all.some((b) => b.name.startsWith(`${box.name}/`)) ? "\\HasChildren" : "\\HasNoChildren"];
  if (box.specialUse !== null) attrs.push(box.specialUse);
  if (subscribed && box.subscribed) attrs.push("\\Subscribed");
  return attrs;
}

interface ListWhat {
  readonly filter: (b: Mailbox) => boolean;
  /** Whether \Subscribed is among the attributes (RETURN (SUBSCRIBED) or selection SUBSCRIBED). */
  readonly subscribed: boolean;
  readonly command: "LIST" | "LSUB";
  /**
   * RECURSIVEMATCH (RFC 5258 §3.5): a mailbox the pattern matches but the selection does not is
   * still listed, with CHILDINFO, when a descendant the patterns do not reach is selected.
   */
  readonly childInfo: boolean;
}

async function listBoxes(ctx: SessionContext, patterns: readonly string[], what: ListWhat): Promise<void> {
  const all = await ctx.backend.mailboxes.list(ctx.user!.userId);
  const regexes = patterns.map(patternRegex);
  const matched = (name: string) => regexes.some((r) => r.test(name));
  for (const box of all) {
    if (!matched(box.name)) continue;
    // LSUB answers only \Noselect, as Dovecot does (RFC 3348 leaves child attributes to LIST).
    const attrs = what.command === "LSUB" ? [] : attributes(box, all, what.subscribed);
    if (what.filter(box)) ctx.send(formatListItem(attrs, box.name, { command: what.command }));
    else if (what.childInfo && all.some((d) => d.name.startsWith(`${box.name}/`) && what.filter(d) && !matched(d.name))) {
      ctx.send(formatListItem(attrs, box.name, { command: what.command, childInfo: true }));
    }
  }
}

/**
 * RFC 3501 §6.3.9: when "%" stops above a subscribed mailbox whose parent is not subscribed,
 * the parent is still listed, as \Noselect, so the client can find its way down.
 */
async function unsubscribedParents(ctx: SessionContext, pattern: string): Promise<void> {
  const all = await ctx.backend.mailboxes.list(ctx.user!.userId);
  const subscribed = new Set(all.filter((b) => b.subscribed).map((b) => b.name));
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
    const filter = (b: Mailbox) => (!onlySubscribed || b.subscribed) && (!onlySpecial || b.specialUse !== null);
    const childInfo = args.selection.includes("RECURSIVEMATCH");
    await listBoxes(ctx, args.patterns.filter((p) => p !== ""), { filter, subscribed: onlySubscribed || args.returns.includes("SUBSCRIBED"), command: "LIST", childInfo });
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
    await listBoxes(ctx, [pattern], { filter: (b) => b.subscribed, subscribed: false, command: "LSUB", childInfo: false });
    await unsubscribedParents(ctx, pattern);
    return ok("LSUB completed");
  },
};
