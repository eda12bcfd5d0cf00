// EHLO and HELO (RFC 5321 §4.1.1.1). Both are valid in every state and reset any transaction
// (§4.1.4). EHLO lists our extensions; STARTTLS only before TLS (RFC 3207 §4.2) and AUTH only
// on submission ports and only where a password may travel (TLS or loopback): advertising it
// in cleartext would invite clients to send one (test plan SUB-01).
import { reply } from "../codec/reply.js";
import type { SessionContext, SmtpCommand } from "../context.js";

/** RFC 5321 §4.5.3.1.2: a domain is at most 255 octets; a name longer is not one. */
const maxNameOctets = 255;

function greetingName(ctx: SessionContext, verb: string, args: string): string | null {
  if (args === "" || /\s/.test(args) || Buffer.byteLength(args) > maxNameOctets) {
    ctx.junk(reply(501, "5.5.4", `Syntax: ${verb} <hostname>`));
    return null;
  }
  return args;
}

function extensions(ctx: SessionContext): string[] {
  const { config } = ctx;
  const lines = [`SIZE ${config.limits.max_message_bytes}`, "8BITMIME", "SMTPUTF8", "PIPELINING", "ENHANCEDSTATUSCODES"];
  if (config.startTlsAvailable && ctx.tls === null) lines.push("STARTTLS");
  if (config.role !== "mx" && ctx.secure) lines.push("AUTH PLAIN LOGIN");
  return lines;
}

export const ehlo: SmtpCommand = {
  verb: "EHLO",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx, args) {
    const name = greetingName(ctx, "EHLO", args);
    if (name === null) return;
    ctx.greeting = { kind: "ehlo", name };
    ctx.transaction = null;
    ctx.send(reply(250, undefined, ctx.config.hostname, ...extensions(ctx)));
  },
};

export const helo: SmtpCommand = {
  verb: "HELO",
  states: ["initial", "ready", "mail", "rcpt"],
  handle(ctx, args) {
    const name = greetingName(ctx, "HELO", args);
    if (name === null) return;
    ctx.greeting = { kind: "helo", name };
    ctx.transaction = null;
    ctx.send(reply(250, undefined, ctx.config.hostname));
  },
};
