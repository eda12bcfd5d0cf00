// The end of LOGIN and AUTHENTICATE: the one authenticate() (channel "imap") decides, and the
// result becomes the reply. Denials carry authenticate()'s public sentence only, so an unknown
// account and a wrong password look alike (RFC 5530 AUTHENTICATIONFAILED, UNAVAILABLE).
import type { Reply, SessionContext } from "./context.js";

/** RFC 3501 §6.2.3, RFC 2595 §3.2: no plaintext password off TLS (loopback excepted). */
export function privacyRequired(ctx: SessionContext): Reply | null {
  if (ctx.secure) return null;
  return { status: "NO", text: "Log in over TLS (STARTTLS) first", code: { code: "PRIVACYREQUIRED" } };
}

export async function logIn(ctx: SessionContext, identity: string, secret: string, method: string): Promise<Reply> {
  const result = await ctx.backend.authenticate("imap", identity, secret, { ip: ctx.ip, secure: ctx.secure, clientId: ctx.clientId, method });
  if (!result.ok) {
    ctx.authFailed();
    return { status: "NO", text: result.publicMessage, code: { code: result.temporary ? "UNAVAILABLE" : "AUTHENTICATIONFAILED" } };
  }
  ctx.loggedIn({ userId: result.userId, address: result.address });
  // Deleting the credential this session used ends it (issue 6); held weakly, no unregister needed.
  result.track?.(ctx, (session) => session.bye("Logged out: the credential of this session was revoked"));
  return { status: "OK", text: "Logged in", code: { code: "CAPABILITY", capabilities: ctx.capabilities() } };
}
