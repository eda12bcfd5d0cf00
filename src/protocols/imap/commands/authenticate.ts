// AUTHENTICATE PLAIN (RFC 3501 §6.2.2, RFC 4616) with SASL-IR (RFC 4959). Off TLS it is
// refused before any response is read, so cleartext credentials are never checked.
import { decodeSaslPlain, parseAuthenticate, parseSaslResponse } from "../codec/session-args.js";
import { bad, no, type ImapCommandHandler, type Reply, type SessionContext } from "../context.js";
import { logIn, privacyRequired } from "../login.js";

async function response(ctx: SessionContext, initial: Buffer | null): Promise<Buffer | Reply | null> {
  if (initial !== null) return initial;
  ctx.send("+ \r\n");
  const line = await ctx.readLine();
  if (line === null) return null;
  if (line === "too-long") return bad("Response too long");
  const parsed = parseSaslResponse(line);
  return parsed.cancel ? bad("Authentication cancelled") : parsed.data;
}

export const authenticate: ImapCommandHandler = {
  names: ["AUTHENTICATE"],
  states: ["not-authenticated"],
  async handle(ctx, command) {
    const args = parseAuthenticate(command.args);
    if (args.mechanism !== "PLAIN") return no("Unsupported authentication mechanism", { code: "CANNOT" });
    const refused = privacyRequired(ctx);
    if (refused !== null) return refused;
    const data = await response(ctx, args.initialResponse);
    if (data === null) return;
    if (!Buffer.isBuffer(data)) return data;
    const creds = decodeSaslPlain(data);
    // Acting as someone else (an authzid that is not the authcid) is not offered.
    if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.username.toLowerCase()) {
      ctx.authFailed();
      return no("Authorization identity not permitted", { code: "AUTHORIZATIONFAILED" });
    }
    return logIn(ctx, creds.username, creds.password, "IMAP AUTHENTICATE PLAIN");
  },
};
