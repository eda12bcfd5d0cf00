// RCPT TO (RFC 5321 §4.1.1.3): one recipient, checked by MailFlow (local user, relay rules).
// The recipient cap is ours: RFC 5321 §4.5.3.1.8 requires accepting at least 100, and past
// max_recipients each extra RCPT gets 452 4.5.3 while the accepted ones still go (SMTP-13).
import { parseRcptParams } from "../codec/params.js";
import { parseRcptTo } from "../codec/path.js";
import { reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";
import { tooManyRecipients, verdictReply } from "../replies.js";

export const rcpt: SmtpCommand = {
  verb: "RCPT",
  states: ["mail", "rcpt"],
  outOfState: (state) => reply(503, "5.5.1", state === "initial" ? "Send EHLO or HELO first" : "Need MAIL command first"),
  async handle(ctx, args) {
    const tx = ctx.transaction;
    if (tx === null) return;
    const path = parseRcptTo(args, { postmasterDomain: ctx.config.hostname });
    if (!path.ok) return ctx.junk(reply(501, path.error === "syntax" ? "5.5.4" : "5.1.3", path.message));
    const params = parseRcptParams(path.params);
    if (!params.ok) return ctx.junk(reply(params.code, "5.5.4", params.message));
    if (path.nonAscii && !tx.smtpUtf8) return ctx.send(reply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8"));
    const address = path.address;
    if (address === null) return;
    // The same recipient twice is one delivery; say yes again without asking twice.
    if (tx.recipients.includes(address)) return ctx.send(verdictReply("rcpt", { kind: "accept" }));
    if (tx.recipients.length >= ctx.config.limits.max_recipients) return ctx.send(tooManyRecipients);

    const verdict = await ctx.askFlow((flow, origin) => flow.checkRecipient(origin, tx.mailFrom, address));
    if (verdict === null) return;
    if (verdict.kind === "accept") tx.recipients.push(address);
    else if (verdict.reason === "policy") tx.refusedRecipients.push(address);
    ctx.send(verdictReply("rcpt", verdict));
  },
};
