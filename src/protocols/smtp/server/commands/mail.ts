// MAIL FROM (RFC 5321 §4.1.1.2): opens a transaction once the path, its parameters, the size
// limit (RFC 1870: refuse a declared oversize at once) and MailFlow's sender check pass.
import { parseMailParams } from "../codec/params.js";
import { parseMailFrom, type PathError } from "../codec/path.js";
import { reply, type Reply } from "../codec/reply.js";
import type { SmtpCommand } from "../context.js";
import { tooLarge, verdictReply } from "../replies.js";

/** RFC 3463: X.1.7 is a bad sender address, X.5.4 bad syntax. */
export function senderPathError(error: PathError, message: string): Reply {
  return error === "syntax" ? reply(501, "5.5.4", message) : reply(501, "5.1.7", message);
}

export const mail: SmtpCommand = {
  verb: "MAIL",
  states: ["ready"],
  outOfState: (state) => reply(503, "5.5.1", state === "initial" ? "Send EHLO or HELO first" : "Nested MAIL command"),
  async handle(ctx, args) {
    // Submission is for our users only (RFC 6409 §4.3): nothing before AUTH.
    if (ctx.config.role !== "mx" && ctx.user === null) return ctx.send(reply(530, "5.7.0", "Authentication required"));
    const path = parseMailFrom(args);
    if (!path.ok) return ctx.junk(senderPathError(path.error, path.message));
    const params = parseMailParams(path.params, ctx.greeting?.kind === "ehlo");
    if (!params.ok) return ctx.junk(reply(params.code, "5.5.4", params.message));
    const { size, body, smtpUtf8 } = params.value;
    // RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8.
    if (path.nonAscii && !smtpUtf8) return ctx.send(reply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8"));
    if (size !== undefined && size > ctx.config.limits.max_message_bytes) return ctx.send(tooLarge);

    const verdict = await ctx.askFlow((flow, origin) => flow.checkSender(origin, path.address, size));
    if (verdict === null) return;
    if (verdict.kind === "accept") ctx.transaction = { mailFrom: path.address, declaredSize: size, body, smtpUtf8, recipients: [], refusedRecipients: [] };
    ctx.send(verdictReply("mail", verdict));
  },
};
