// CAPA (RFC 2449 §5): what this session may do now. Before TLS (off loopback) USER and SASL
// are not listed, STLS is (test plan POP-01); APOP is never offered.
import { multiline } from "../codec/reply.js";
import type { CommandHandler, SessionContext } from "../context.js";

function capabilities(ctx: SessionContext): string[] {
  const caps = ["CAPA", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
  if (ctx.state.kind === "authorization") {
    if (ctx.secure) caps.push("USER", "SASL PLAIN");
    if (ctx.startTlsAvailable) caps.push("STLS");
  }
  caps.push("IMPLEMENTATION Moat");
  return caps;
}

export const capa: CommandHandler = {
  state: "any",
  handle(ctx) {
    ctx.send(multiline("Capability list follows", capabilities(ctx)));
  },
};
