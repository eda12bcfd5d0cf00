// The end of USER/PASS and AUTH: the one authenticate() (channel "pop3") decides, and the
// result becomes the reply. Denials carry authenticate()'s public sentence only, so an
// unknown account and a wrong password look alike; [AUTH] for a refusal, [SYS/TEMP] when the
// client should retry later (RFC 3206 §4). Then the maildrop is opened and locked.
import { err, ok } from "./codec/reply.js";
import type { SessionContext } from "./context.js";

/** RFC 2595 §2, RFC 1939 §13: no cleartext password off TLS (loopback excepted). Nothing is checked. */
export function plaintextRefused(ctx: SessionContext): boolean {
  if (ctx.secure) return false;
  ctx.send(err("Plaintext authentication disallowed on non-secure connections; use STLS first", "AUTH"));
  return true;
}

export async function logIn(ctx: SessionContext, identity: string, secret: string, method: string): Promise<void> {
  let result;
  try {
    result = await ctx.backend.authenticate("pop3", identity, secret, { ip: ctx.ip, secure: ctx.secure, method });
  } catch (error) {
    ctx.log.error({ err: error }, "authenticate failed");
    return ctx.send(err("Temporary authentication failure", "SYS/TEMP"));
  }
  if (!result.ok) {
    ctx.send(err(result.publicMessage, result.temporary ? "SYS/TEMP" : "AUTH"));
    return ctx.authFailed();
  }
  let opened;
  try {
    opened = await ctx.backend.maildrops.open(result.userId);
  } catch (error) {
    ctx.log.error({ err: error, userId: result.userId }, "maildrop could not be opened");
    return ctx.send(err("Mailbox temporarily unavailable", "SYS/TEMP"));
  }
  switch (opened.kind) {
    case "in_use":
      return ctx.send(err("Mailbox is locked by another POP3 session", "IN-USE"));
    case "no_folder":
      return ctx.send(err("The POP3 folder of this account does not exist", "SYS/PERM"));
    case "ok": {
      const { count, octets } = opened.maildrop.stat();
      ctx.enterTransaction(opened.maildrop);
      // Revoking the credential (a client security password) ends the session, without UPDATE.
      result.track?.(ctx, (session) => session.close(err("Logged out: the credential of this session was revoked")));
      ctx.log.info({ userId: result.userId, messages: count }, "POP3 login");
      return ctx.send(ok(`Logged in, ${count} messages (${octets} octets)`));
    }
  }
}
