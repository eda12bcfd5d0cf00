// AUTHENTICATE "PLAIN" (RFC 5804 §2.1, RFC 4616), with the initial response on the command or
// asked for with an empty challenge; "*" cancels. Off TLS it is refused before any response is
// read (ENCRYPT-NEEDED), so cleartext credentials are never checked.
import { decodePlain } from "../../net/sasl.js";
import { decodeBase64 } from "../../net/sasl.js";
import { challenge, no } from "../codec/response.js";
import type { CommandHandler, SessionContext } from "../context.js";
import { encryptionNeeded, logIn } from "../login.js";
import { stringArgs } from "./args.js";

/** The client's PLAIN message, or null when already answered. */
async function response(ctx: SessionContext, initial: string | undefined): Promise<Buffer | null> {
  let text = initial;
  if (text === undefined) {
    ctx.send(challenge(""));
    const answer = await ctx.readSaslResponse();
    if (answer === null) return null;
    if (answer === "cancel") {
      ctx.send(no("Authentication cancelled"));
      return null;
    }
    text = answer.toString("latin1");
  }
  const bytes = decodeBase64(text);
  if (bytes === null) ctx.invalid("Invalid base64 in the SASL response");
  return bytes;
}

export const authenticate: CommandHandler = {
  state: "unauthenticated",
  async handle(ctx, args) {
    const parsed = stringArgs(ctx, args, 1, 2, 'AUTHENTICATE "PLAIN" ["initial-response"]');
    if (parsed === null) return;
    const [mechanism, initial] = parsed as [string, string | undefined];
    if (mechanism.toUpperCase() !== "PLAIN") return ctx.send(no("Unsupported authentication mechanism"));
    if (encryptionNeeded(ctx)) return;
    const bytes = await response(ctx, initial);
    if (bytes === null) return;
    const creds = decodePlain(bytes);
    if (creds === null) return ctx.invalid("Invalid PLAIN response");
    // Acting as someone else (an authzid that is not the authcid) is not offered.
    if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.authcid.toLowerCase()) {
      ctx.send(no("Authorization identity not permitted"));
      return ctx.authFailed();
    }
    await logIn(ctx, creds.authcid, creds.password);
  },
};
