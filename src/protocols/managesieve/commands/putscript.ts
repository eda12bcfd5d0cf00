// PUTSCRIPT (RFC 5804 §2.6) and CHECKSCRIPT (§2.12): the script is compiled by the service;
// its problems come back as NO with one "line L, column C: message" per problem, a forwarding
// ban as NO with the service's sentence. A replaced script keeps its active state.
import { no, ok } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { actorOf } from "./actor.js";
import { stringArgs } from "./args.js";
import { answerFailure, attempt, problemText } from "./failures.js";
import { quotaRefusal } from "./havespace.js";

export const putscript: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    const parsed = stringArgs(ctx, args, 2, 2, 'PUTSCRIPT "name" {size+} script');
    if (parsed === null) return;
    const [name, content] = parsed as [string, string];
    try {
      const refusal = await quotaRefusal(ctx, account, name, Buffer.byteLength(content, "utf8"));
      if (refusal !== null) return ctx.send(refusal);
    } catch (error) {
      return answerFailure(ctx, error);
    }
    if (await attempt(ctx, () => ctx.backend.scripts.put(account.address, name, content, actorOf(account)))) ctx.send(ok("Putscript completed"));
  },
};

export const checkscript: CommandHandler = {
  state: "authenticated",
  handle(ctx, _account, args) {
    const parsed = stringArgs(ctx, args, 1, 1, "CHECKSCRIPT {size+} script");
    if (parsed === null) return;
    const problems = ctx.backend.scripts.check(parsed[0]!);
    ctx.send(problems.length === 0 ? ok("Script is valid") : no(problemText(problems)));
  },
};
