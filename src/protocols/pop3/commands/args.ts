// The message-number argument of LIST, UIDL, RETR, TOP and DELE (RFC 1939 §5): a number of a
// message in the maildrop that is not marked as deleted. Every miss is answered here.
import type { MaildropEntry, Maildrop } from "../../../core/maildrop/maildrop.js";
import { parseNumber } from "../codec/command.js";
import { err } from "../codec/reply.js";
import type { SessionContext } from "../context.js";

export function messageArg(ctx: SessionContext, maildrop: Maildrop, arg: string | undefined): MaildropEntry | null {
  const number = parseNumber(arg);
  if (number === null) {
    ctx.invalid(err("Invalid message number"));
    return null;
  }
  const found = maildrop.lookup(number);
  if (found.kind === "ok") return found.entry;
  ctx.send(err(found.kind === "deleted" ? "Message is deleted" : "No such message"));
  return null;
}

/** Commands that take no argument, or at most `max`: more is a syntax error. */
export function tooManyArgs(ctx: SessionContext, args: readonly string[], max: number, syntax: string): boolean {
  if (args.length <= max) return false;
  ctx.invalid(err(`Syntax: ${syntax}`));
  return true;
}
