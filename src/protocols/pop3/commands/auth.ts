// AUTH PLAIN (RFC 5034, RFC 4616) with an optional initial response ("=" is an empty one) and
// "*" to cancel. AUTH alone lists the mechanisms, as clients of the earlier draft expect.
// Off TLS it is refused before any response is read, so cleartext credentials are never checked.
import { decodeBase64, decodePlain, saslCancel } from "../../net/sasl.js";
import { err, multiline } from "../codec/reply.js";
import type { CommandHandler, SessionContext } from "../context.js";
import { logIn, plaintextRefused } from "../login.js";

/** The client's response: from the AUTH line or asked for with "+ ". Null when already answered. */
async function response(ctx: SessionContext, initial: string | undefined): Promise<Buffer | null> {
  let text = initial === "=" ? "" : initial;
  if (text === undefined) {
    ctx.send("+ \r\n");
    text = (await ctx.readSaslLine()) ?? undefined;
    if (text === undefined) return null;
  }
  if (text === saslCancel) {
    ctx.send(err("Authentication cancelled"));
    return null;
  }
  const bytes = decodeBase64(text);
  if (bytes === null) ctx.invalid(err("Invalid base64 in the response"));
  return bytes;
}

export const auth: CommandHandler = {
  state: "authorization",
  async handle(ctx, command) {
    const [mechanism, initial, ...extra] = command.args;
    if (mechanism === undefined) return ctx.send(multiline("Supported mechanisms follow", ["PLAIN"]));
    if (extra.length > 0) return ctx.invalid(err("Syntax: AUTH mechanism [initial-response]"));
    if (mechanism.toUpperCase() !== "PLAIN") return ctx.send(err("Unsupported authentication mechanism"));
    if (plaintextRefused(ctx)) return;
    const bytes = await response(ctx, initial);
    if (bytes === null) return;
    const creds = decodePlain(bytes);
    if (creds === null) return ctx.invalid(err("Invalid PLAIN response"));
    // Acting as someone else (an authzid that is not the authcid) is not offered.
    if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.authcid.toLowerCase()) {
      ctx.send(err("Authorization identity not permitted", "AUTH"));
      return ctx.authFailed();
    }
    await logIn(ctx, creds.authcid, creds.password, "POP3 AUTH PLAIN");
  },
};
