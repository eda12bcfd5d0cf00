// DELETESCRIPT (RFC 5804 §2.10): the active script cannot be deleted (ACTIVE); a missing one
// is NONEXISTENT.
import { no, ok } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { actorOf } from "./actor.js";
import { stringArgs } from "./args.js";
import { answerFailure, attempt } from "./failures.js";

export const deletescript: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    const parsed = stringArgs(ctx, args, 1, 1, 'DELETESCRIPT "name"');
    if (parsed === null) return;
    const name = parsed[0]!;
    try {
      const found = (await ctx.backend.scripts.list(account.address)).find((s) => s.name === name);
      if (found === undefined) return ctx.send(no("There is no script by that name", "NONEXISTENT"));
      if (found.active) return ctx.send(no("The active script cannot be deleted; deactivate it first", "ACTIVE"));
    } catch (error) {
      return answerFailure(ctx, error);
    }
    if (await attempt(ctx, () => ctx.backend.scripts.remove(account.address, name, actorOf(account)))) ctx.send(ok("Deletescript completed"));
  },
};
