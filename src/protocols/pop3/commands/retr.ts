// RETR and TOP (RFC 1939 §7): the message, byte-stuffed, ended by "." (test plan POP-06). The
// whole reply is one write; the session reads no further command until the client has taken
// it (net/session-output drained), so a slow reader cannot make us buffer a second message.
// A body the maildrop has already read ahead is answered at once, with no promise on the way
// (decision 0029: most RETRs of a download); only a body still to be read waits for the store.
import type { Maildrop, MaildropEntry } from "../../../core/maildrop/maildrop.js";
import { parseNumber } from "../codec/command.js";
import { err, messageBody, ok } from "../codec/reply.js";
import type { CommandHandler, SessionContext } from "../context.js";
import { messageArg } from "./args.js";

function send(ctx: SessionContext, maildrop: Maildrop, entry: MaildropEntry, bodyLines?: number): Promise<void> | void {
  const held = maildrop.readHeld(entry);
  if (held === undefined) return readAndSend(ctx, maildrop, entry, bodyLines);
  ctx.send(messageBody(held, bodyLines, ok(`${entry.size} octets`)));
}

async function readAndSend(ctx: SessionContext, maildrop: Maildrop, entry: MaildropEntry, bodyLines?: number): Promise<void> {
  let raw: Buffer;
  try {
    raw = await maildrop.read(entry);
  } catch (error) {
    // Expunged over IMAP since login and its body gone, or the store failing.
    ctx.log.warn({ err: error, uid: entry.message.uid }, "POP3 message could not be read");
    return ctx.send(err("Message not available", "SYS/TEMP"));
  }
  ctx.send(messageBody(raw, bodyLines, ok(`${entry.size} octets`)));
}

export const retr: CommandHandler = {
  state: "transaction",
  handle(ctx, maildrop, command) {
    if (command.args.length !== 1) return ctx.invalid(err("Syntax: RETR msg"));
    const entry = messageArg(ctx, maildrop, command.args[0]);
    if (entry !== null) return send(ctx, maildrop, entry);
  },
};

export const top: CommandHandler = {
  state: "transaction",
  handle(ctx, maildrop, command) {
    const lines = parseNumber(command.args[1]);
    if (command.args.length !== 2 || lines === null) return ctx.invalid(err("Syntax: TOP msg n"));
    const entry = messageArg(ctx, maildrop, command.args[0]);
    if (entry !== null) return send(ctx, maildrop, entry, lines);
  },
};
