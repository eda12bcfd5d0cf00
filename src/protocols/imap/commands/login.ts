// LOGIN (RFC 3501 §6.2.3): refused off TLS before the password is even looked at.
import { parseLogin } from "../codec/session-args.js";
import type { ImapCommandHandler } from "../context.js";
import { logIn, privacyRequired } from "../login.js";

export const login: ImapCommandHandler = {
  names: ["LOGIN"],
  states: ["not-authenticated"],
  async handle(ctx, command) {
    const refused = privacyRequired(ctx);
    if (refused !== null) return refused;
    const { username, password } = parseLogin(command.args);
    return logIn(ctx, username, password, "IMAP LOGIN");
  },
};
