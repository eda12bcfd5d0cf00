// DATA (RFC 5321 §4.1.1.4): 354, then the message through the DataReader (smuggling-safe
// framing, size limit, bare-LF policy), then MailFlow.process. The transaction ends whatever
// the outcome (§4.1.1.4: the buffers are cleared after the final reply).
import { DataReader } from "../codec/data-reader.js";
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";
import { tooLarge, verdictReply } from "../replies.js";

export const data: SmtpCommand = {
  verb: "DATA",
  states: ["rcpt"],
  outOfState: (state) => reply(503, "5.5.1", state === "mail" ? "Need RCPT command first" : "Need MAIL command first"),
  async handle(ctx, args) {
    const tx = ctx.transaction;
    if (tx === null) return;
    if (args !== "") return ctx.junk(reply(501, "5.5.4", "DATA takes no parameters"));
    ctx.send(reply(354, undefined, "End data with <CR><LF>.<CR><LF>"));
    const { limits } = ctx.config;
    const reader = new DataReader({ maxBytes: limits.max_message_bytes, policy: limits.bare_lf });
    if (!(await ctx.readData(reader))) return;
    ctx.transaction = null;

    const outcome = reader.result();
    if (outcome.kind === "too_large") {
      ctx.log.info({ size: outcome.size }, "message over the size limit refused");
      return ctx.send(tooLarge);
    }
    if (outcome.kind === "bad_line_ending") {
      ctx.log.info("message with a bare CR or LF refused (bare_lf = reject)");
      return ctx.send(reply(550, "5.5.2", "Message contains bare CR or LF characters; lines must end with CRLF"));
    }
    const envelope = { mailFrom: tx.mailFrom, recipients: [...tx.recipients], refusedRecipients: [...tx.refusedRecipients], smtpUtf8: tx.smtpUtf8, body: tx.body };
    const verdict = await ctx.askFlow((flow, origin) => flow.process(origin, envelope, outcome.message));
    if (verdict === null) return;
    ctx.log.info({ verdict: verdict.kind, bytes: outcome.message.length, recipients: envelope.recipients.length, id: verdict.kind === "accept" ? verdict.id : undefined }, "message received");
    ctx.send(verdictReply("data", verdict));
  },
};
