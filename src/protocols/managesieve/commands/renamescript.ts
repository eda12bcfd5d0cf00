// RENAMESCRIPT (RFC 5804 §2.11): NONEXISTENT when the old name is missing, ALREADYEXISTS when
// the new one is taken; the active script stays active under its new name.
import { no, ok } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { actorOf } from "./actor.js";
import { stringArgs } from "./args.js";
import { answerFailure, attempt } from "./failures.js";

export const renamescript: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    const parsed = stringArgs(ctx, args, 2, 2, 'RENAMESCRIPT "old" "new"');
    if (parsed === null) return;
    const [from, to] = parsed as [string, string];
    try {
      const names = new Set((await ctx.backend.scripts.list(account.address)).map((s) => s.name));
      if (!names.has(from)) return ctx.send(no("There is no script by that name", "NONEXISTENT"));
      if (names.has(to)) return ctx.send(no(`A script named ${to} exists already`, "ALREADYEXISTS"));
    } catch (error) {
      return answerFailure(ctx, error);
    }
    if (await attempt(ctx, () => ctx.backend.scripts.rename(account.address, from, to, actorOf(account)))) ctx.send(ok("Renamescript completed"));
  },
};
