// CREATE, DELETE, RENAME (RFC 3501 §6.3.3–5), SUBSCRIBE and UNSUBSCRIBE (§6.3.6–7): each one
// call of the shared mailbox operations; failures map to response codes in the session.
import { parseCreate, parseMailboxArg, parseRename } from "../codec/select.js";
import { loggedIn, ok, type ImapCommandHandler } from "../context.js";

export const create: ImapCommandHandler = {
  names: ["CREATE"],
  states: loggedIn,
  async handle(ctx, command) {
    await ctx.backend.mailboxes.create(ctx.user!.userId, parseCreate(command.args));
    return ok("CREATE completed");
  },
};

export const deleteBox: ImapCommandHandler = {
  names: ["DELETE"],
  states: loggedIn,
  async handle(ctx, command) {
    const name = parseMailboxArg(command.args);
    await ctx.backend.mailboxes.delete(ctx.user!.userId, name);
    return ok("DELETE completed");
  },
};

export const rename: ImapCommandHandler = {
  names: ["RENAME"],
  states: loggedIn,
  async handle(ctx, command) {
    const { from, to } = parseRename(command.args);
    await ctx.backend.mailboxes.rename(ctx.user!.userId, from, to);
    return ok("RENAME completed");
  },
};

export const subscribe: ImapCommandHandler = {
  names: ["SUBSCRIBE", "UNSUBSCRIBE"],
  states: loggedIn,
  async handle(ctx, command) {
    const name = parseMailboxArg(command.args);
    if (command.name === "SUBSCRIBE") await ctx.backend.mailboxes.subscribe(ctx.user!.userId, name);
    else await ctx.backend.mailboxes.unsubscribe(ctx.user!.userId, name);
    return ok(`${command.name} completed`);
  },
};
