// The end of AUTHENTICATE: the one authenticate() decides, on the "imap" channel — ManageSieve
// is configured next to IMAP in every client, so the account's IMAP switch, its client security
// passwords and every login rule apply as they do to IMAP (decision 0022). Denials carry
// authenticate()'s public sentence only, so an unknown account and a wrong password look alike;
// the failure delay and throttling come with authenticate().
import { bye, no, ok } from "./codec/response.js";
import type { SessionContext } from "./context.js";

/** RFC 5804 §2.1: no PLAIN off TLS (loopback excepted); nothing is checked. */
export function encryptionNeeded(ctx: SessionContext): boolean {
  if (ctx.secure) return false;
  ctx.send(no("Log in over TLS (STARTTLS) first", "ENCRYPT-NEEDED"));
  return true;
}

export async function logIn(ctx: SessionContext, identity: string, secret: string): Promise<void> {
  let result;
  try {
    result = await ctx.backend.authenticate("imap", identity, secret, { ip: ctx.ip, secure: ctx.secure, clientId: "ManageSieve", method: "ManageSieve AUTHENTICATE PLAIN" });
  } catch (error) {
    ctx.log.error({ err: error }, "authenticate failed");
    return ctx.send(no("Temporary authentication failure", "TRYLATER"));
  }
  if (!result.ok) {
    ctx.send(no(result.publicMessage, result.temporary ? "TRYLATER" : undefined));
    return ctx.authFailed();
  }
  // Deleting the credential this session used ends it (issue 6); held weakly.
  const untrack = result.track?.(ctx, (session) => session.close(bye("Logged out: the credential of this session was revoked")));
  ctx.loggedIn({ userId: result.userId, address: result.address }, untrack);
  ctx.log.info({ userId: result.userId }, "ManageSieve login");
  ctx.send(ok("Logged in"));
}
