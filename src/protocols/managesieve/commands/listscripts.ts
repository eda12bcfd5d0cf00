// LISTSCRIPTS (RFC 5804 §2.7): every script of the account, the active one marked ACTIVE.
import { scriptListing } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { answerFailure } from "./failures.js";

export const listscripts: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    if (args.length > 0) return ctx.invalid("Syntax: LISTSCRIPTS");
    try {
      ctx.send(scriptListing(await ctx.backend.scripts.list(account.address)));
    } catch (error) {
      answerFailure(ctx, error);
    }
  },
};
