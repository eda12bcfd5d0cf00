// GETSCRIPT (RFC 5804 §2.9): the script as a literal; NONEXISTENT when there is none.
import { scriptContent } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { stringArgs } from "./args.js";
import { answerFailure } from "./failures.js";

export const getscript: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    const parsed = stringArgs(ctx, args, 1, 1, 'GETSCRIPT "name"');
    if (parsed === null) return;
    try {
      ctx.send(scriptContent((await ctx.backend.scripts.get(account.address, parsed[0]!)).content));
    } catch (error) {
      answerFailure(ctx, error);
    }
  },
};
