// STARTTLS (RFC 3207). Refused inside a transaction (RFC 3207 §4: state must not carry over;
// test plan SMTP-32) and once authenticated (RFC 2595 §3.1, the Citadel CVE-2021-37845
// session fixation). The session discards pipelined plaintext and resets itself.
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";

export const starttls: SmtpCommand = {
  verb: "STARTTLS",
  states: ["initial", "ready"],
  outOfState: () => reply(503, "5.5.1", "STARTTLS is not allowed inside a mail transaction"),
  async handle(ctx, args) {
    if (!ctx.config.startTlsAvailable) return ctx.junk(reply(502, "5.5.1", "STARTTLS is not available"));
    if (ctx.tls !== null) return ctx.junk(reply(503, "5.5.1", "TLS is already active"));
    if (ctx.user !== null) return ctx.junk(reply(503, "5.5.1", "STARTTLS is not allowed after AUTH"));
    // RFC 3207 §4: "501 Syntax error (no parameters allowed)".
    if (args !== "") return ctx.junk(reply(501, "5.5.4", "STARTTLS takes no parameters"));
    await ctx.startTls();
  },
};
