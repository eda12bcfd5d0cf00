// LOGOUT (RFC 5804 §2.3), NOOP with its optional tag (§2.13) and UNAUTHENTICATE (§2.14).
import { ok } from "../codec/response.js";
import type { CommandHandler } from "../context.js";
import { stringArgs } from "./args.js";

export const logout: CommandHandler = {
  state: "any",
  handle(ctx, args) {
    if (args.length > 0) return ctx.invalid("Syntax: LOGOUT");
    ctx.close(ok("Logout completed"));
  },
};

export const noop: CommandHandler = {
  state: "any",
  handle(ctx, args) {
    const parsed = stringArgs(ctx, args, 0, 1, 'NOOP ["tag"]');
    if (parsed === null) return;
    const [tag] = parsed;
    ctx.send(tag === undefined ? ok("Done") : ok("Done", { tag }));
  },
};

export const unauthenticate: CommandHandler = {
  state: "authenticated",
  handle(ctx, _account, args) {
    if (args.length > 0) return ctx.invalid("Syntax: UNAUTHENTICATE");
    ctx.loggedOut();
    ctx.send(ok("Logged out; log in again"));
  },
};
