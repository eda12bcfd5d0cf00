// HAVESPACE (RFC 5804 §2.5): would a script of this name and size be stored? The service's
// limits answer: the script size (QUOTA/MAXSIZE) and the number of scripts (QUOTA/MAXSCRIPTS).
import { numberOf, type Token } from "../codec/command.js";
import { no, ok } from "../codec/response.js";
import type { Account, CommandHandler, SessionContext } from "../context.js";
import { stringArgs } from "./args.js";
import { answerFailure } from "./failures.js";

/** The refusal for a new script of `size` octets named `name`, or null when there is room. */
export async function quotaRefusal(ctx: SessionContext, account: Account, name: string, size: number): Promise<string | null> {
  const { maxScriptBytes, maxScripts } = ctx.backend;
  if (size > maxScriptBytes) return no(`A script may have at most ${maxScriptBytes} octets`, "QUOTA/MAXSIZE");
  const scripts = await ctx.backend.scripts.list(account.address);
  if (scripts.length >= maxScripts && !scripts.some((s) => s.name === name)) return no(`An account may keep at most ${maxScripts} scripts; delete one first`, "QUOTA/MAXSCRIPTS");
  return null;
}

export const havespace: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args: readonly Token[]) {
    const size = numberOf(args[1]);
    if (size === null || args.length !== 2) return ctx.invalid('Syntax: HAVESPACE "name" size');
    const parsed = stringArgs(ctx, args.slice(0, 1), 1, 1, 'HAVESPACE "name" size');
    if (parsed === null) return;
    try {
      ctx.send((await quotaRefusal(ctx, account, parsed[0]!, size)) ?? ok("Putscript would succeed"));
    } catch (error) {
      answerFailure(ctx, error);
    }
  },
};
