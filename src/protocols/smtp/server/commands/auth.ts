// AUTH (RFC 4954) with PLAIN and LOGIN, on submission ports only. The credentials go to the
// one authenticate() (channel "smtp"), which applies every login rule and writes the login
// record; this file only frames the exchange and maps the result:
// - not over TLS (and not loopback): 538 5.7.11 before anything is decoded, so a cleartext
//   AUTH is never an oracle for a password (test plan SUB-01, chasquid auth_not_tls);
// - failure 535 5.7.8 with authenticate()'s public sentence; temporary 454 4.7.0;
// - after max_auth_failures on one connection: 421 4.7.0 and close (SUB-02).
import { parseAddress } from "../../../../mail/address.js";
import { reply } from "../codec/reply.js";
import { decodeBase64, decodePlain, decodeUtf8, loginPrompts, saslCancel } from "../codec/sasl.js";
import type { SessionContext, SmtpCommand } from "../context.js";

type Mechanism = "PLAIN" | "LOGIN";
interface Credentials {
  readonly identity: string;
  readonly secret: string;
}

const cancelled = reply(501, "5.7.0", "Authentication cancelled");
const badBase64 = reply(501, "5.5.2", "Cannot decode the response");

/** One SASL response: from the AUTH line, or asked for with 334. Null when already answered. */
async function response(ctx: SessionContext, initial: string | undefined, prompt: string): Promise<Buffer | null> {
  let text = initial;
  if (text === undefined) {
    ctx.send(reply(334, undefined, prompt));
    const line = await ctx.readSaslLine();
    if (line === null) return null;
    text = line;
  } else if (text === "=") {
    text = ""; // RFC 4954 §4: "=" is an empty initial response
  }
  if (text === saslCancel) {
    ctx.send(cancelled);
    return null;
  }
  const bytes = decodeBase64(text);
  if (bytes === null) ctx.send(badBase64);
  return bytes;
}

async function plain(ctx: SessionContext, initial: string | undefined): Promise<Credentials | null> {
  const bytes = await response(ctx, initial, "");
  if (bytes === null) return null;
  const creds = decodePlain(bytes);
  if (creds === null) {
    ctx.send(reply(501, "5.5.2", "Invalid PLAIN response"));
    return null;
  }
  // Acting as someone else (an authzid that is not the authcid) is not offered.
  if (creds.authzid !== "" && canonical(creds.authzid) !== canonical(creds.authcid)) {
    ctx.send(reply(535, "5.7.8", "Authorization identity not permitted"));
    countFailure(ctx);
    return null;
  }
  return { identity: creds.authcid, secret: creds.password };
}

async function login(ctx: SessionContext, initial: string | undefined): Promise<Credentials | null> {
  const user = await response(ctx, initial, loginPrompts.username);
  if (user === null) return null;
  const password = await response(ctx, undefined, loginPrompts.password);
  if (password === null) return null;
  const identity = decodeUtf8(user);
  const secret = decodeUtf8(password);
  if (identity === null || secret === null) {
    ctx.send(badBase64);
    return null;
  }
  return { identity, secret };
}

function canonical(name: string): string {
  const parsed = parseAddress(name);
  return parsed.ok ? parsed.value : name;
}

async function verify(ctx: SessionContext, mechanism: Mechanism, creds: Credentials): Promise<void> {
  const context = { ip: ctx.ip, secure: ctx.secure, method: `SMTP AUTH ${mechanism}` };
  let result;
  try {
    result = await ctx.config.authenticate("smtp", creds.identity, creds.secret, context);
  } catch (err) {
    ctx.log.error({ err }, "authenticate failed");
    return ctx.send(reply(454, "4.7.0", "Temporary authentication failure"));
  }
  const address = result.ok ? parseAddress(result.address) : null;
  if (result.ok && address?.ok) {
    ctx.user = { userId: result.userId, address: address.value };
    // Deleting the credential this session used ends it (issue 6); held weakly, no unregister needed.
    result.track?.(ctx, (session) => session.close(reply(421, "4.7.0", "Logged out: the credential of this session was revoked")));
    ctx.log.info({ userId: result.userId, mechanism }, "SMTP AUTH succeeded");
    return ctx.send(reply(235, "2.7.0", "Authentication successful"));
  }
  if (!result.ok && result.temporary) ctx.send(reply(454, "4.7.0", result.publicMessage));
  else ctx.send(reply(535, "5.7.8", result.ok ? "Authentication failed" : result.publicMessage));
  countFailure(ctx);
}

function countFailure(ctx: SessionContext): void {
  ctx.authFailures++;
  if (ctx.authFailures >= ctx.config.limits.max_auth_failures) {
    ctx.log.info({ failures: ctx.authFailures }, "too many AUTH failures; closing");
    ctx.close(reply(421, "4.7.0", `${ctx.config.hostname} Too many authentication failures, closing connection`));
  }
}

export const auth: SmtpCommand = {
  verb: "AUTH",
  states: ["ready"],
  outOfState: (state) => reply(503, "5.5.1", state === "initial" ? "Send EHLO first" : "AUTH is not allowed inside a mail transaction"),
  async handle(ctx, args) {
    if (ctx.config.role === "mx") return ctx.junk(reply(502, "5.5.1", "AUTH is not available on this port"));
    if (ctx.user !== null) return ctx.junk(reply(503, "5.5.1", "Already authenticated"));
    // RFC 4954 §6: 538 when the mechanism needs an encrypted channel. Nothing is decoded.
    if (!ctx.secure) return ctx.send(reply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
    const [name = "", initial, ...extra] = args.split(" ");
    if (name === "" || extra.length > 0) return ctx.junk(reply(501, "5.5.4", "Syntax: AUTH <mechanism> [initial-response]"));
    const mechanism = name.toUpperCase();
    if (mechanism !== "PLAIN" && mechanism !== "LOGIN") return ctx.send(reply(504, "5.5.4", "Unrecognized authentication type"));
    const creds = mechanism === "PLAIN" ? await plain(ctx, initial) : await login(ctx, initial);
    if (creds !== null) await verify(ctx, mechanism, creds);
  },
};
