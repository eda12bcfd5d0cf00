// SETACTIVE (RFC 5804 §2.8): makes the named script the one that runs on delivery; "" leaves
// none active. The service checks the script again (the forwarding ban may have changed).
import { ok } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { actorOf } from "./actor.js";
import { stringArgs } from "./args.js";
import { attempt } from "./failures.js";

export const setactive: CommandHandler = {
  state: "authenticated",
  async handle(ctx, account, args) {
    const parsed = stringArgs(ctx, args, 1, 1, 'SETACTIVE "name"');
    if (parsed === null) return;
    const name = parsed[0]!;
    const { scripts } = ctx.backend;
    const done = await attempt(ctx, () => (name === "" ? scripts.deactivate(account.address, actorOf(account)) : scripts.activate(account.address, name, actorOf(account))));
    if (done) ctx.send(ok(name === "" ? "No script is active now" : "Setactive completed"));
  },
};
