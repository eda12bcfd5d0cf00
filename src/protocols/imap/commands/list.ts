// LIST (RFC 3501 §6.3.8, RFC 5258 selection/return options, RFC 6154 SPECIAL-USE) and LSUB
// (§6.3.9). "*" matches across levels, "%" within one; \HasChildren/\HasNoChildren always
// (RFC 3348 CHILDREN), special-use attributes always, \Subscribed when asked.
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

async function listBoxes(ctx: SessionContext, patterns: readonly string[], filter: (b: Mailbox) => boolean, subscribed: boolean, command: "LIST" | "LSUB"): Promise<void> {
  const all = await ctx.backend.mailboxes.list(ctx.user!.userId);
  const regexes = patterns.map(patternRegex);
  for (const box of all) {
    if (!filter(box) || !regexes.some((r) => r.test(box.name))) continue;
    ctx.send(formatListItem(attributes(box, all, subscribed), box.name, { command }));
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
    await listBoxes(ctx, args.patterns.filter((p) => p !== ""), filter, onlySubscribed || args.returns.includes("SUBSCRIBED"), "LIST");
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
    await listBoxes(ctx, [pattern], (b) => b.subscribed, false, "LSUB");
    return ok("LSUB completed");
  },
};
