// CAPABILITY (RFC 5804 §1.7, §2.4): what this session may do now. PLAIN is listed only where it
// may be used (TLS, or loopback as IMAP and POP3 treat it); STARTTLS until TLS is on; OWNER
// once logged in. The greeting and the reply after STARTTLS are the same lines.
import { capabilityResponse, type Capability } from "../codec/response.js";
import type { CommandHandler, SessionContext } from "../context.js";

export function capabilities(ctx: SessionContext): string {
  const authenticated = ctx.state.kind === "authenticated";
  const caps: Capability[] = [
    ["IMPLEMENTATION", "Moat"],
    // An empty SASL list before TLS: nothing may be sent in the clear (Dovecot does the same).
    ["SASL", ctx.secure && !authenticated ? "PLAIN" : ""],
    ["SIEVE", ctx.backend.extensions.join(" ")],
  ];
  if (ctx.startTlsAvailable && !authenticated) caps.push(["STARTTLS"]);
  caps.push(["MAXREDIRECTS", String(ctx.backend.maxRedirects)], ["UNAUTHENTICATE"]);
  if (ctx.state.kind === "authenticated") caps.push(["OWNER", ctx.state.account.address]);
  caps.push(["VERSION", "1.0"]);
  return capabilityResponse(caps, "Moat ManageSieve ready");
}

export const capability: CommandHandler = {
  state: "any",
  handle(ctx, args) {
    if (args.length > 0) return ctx.invalid("Syntax: CAPABILITY");
    ctx.send(capabilities(ctx));
  },
};
