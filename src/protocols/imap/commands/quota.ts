// QUOTA (RFC 9208, formerly RFC 2087): one quota root per user, named "", holding the user's
// STORAGE limit from the account (in units of 1024 octets, §5.1). Every mailbox belongs to
// it. SETQUOTA is an administrator's job, done through the admin tools, not over IMAP.
import { formatQuota, formatQuotaRoot } from "../codec/response.js";
import { parseMailboxArg, parseQuotaRoot } from "../codec/select.js";
import { loggedIn, no, ok, type ImapCommandHandler, type SessionContext } from "../context.js";

const userRoot = "";

/** The "* QUOTA" line of the user's root, or null when the account has no quota. */
async function quotaLine(ctx: SessionContext): Promise<string | null> {
  const q = await ctx.backend.mailboxes.quota(ctx.user!.userId);
  if (q.limitBytes <= 0) return null;
  return formatQuota(userRoot, [["STORAGE", Math.floor(q.usedBytes / 1024), Math.floor(q.limitBytes / 1024)]]);
}

export const getQuotaRoot: ImapCommandHandler = {
  names: ["GETQUOTAROOT"],
  states: loggedIn,
  async handle(ctx, command) {
    const mailbox = parseMailboxArg(command.args);
    await ctx.backend.mailboxes.get(ctx.user!.userId, mailbox);
    const line = await quotaLine(ctx);
    ctx.send(formatQuotaRoot(mailbox, line === null ? [] : [userRoot]));
    if (line !== null) ctx.send(line);
    return ok("GETQUOTAROOT completed");
  },
};

export const getQuota: ImapCommandHandler = {
  names: ["GETQUOTA"],
  states: loggedIn,
  async handle(ctx, command) {
    const root = parseQuotaRoot(command.args);
    const line = root === userRoot ? await quotaLine(ctx) : null;
    if (line === null) return no("No such quota root", { code: "NONEXISTENT" });
    ctx.send(line);
    return ok("GETQUOTA completed");
  },
};

export const setQuota: ImapCommandHandler = {
  names: ["SETQUOTA"],
  states: loggedIn,
  handle() {
    return no("Quotas are set by the administrator", { code: "NOPERM" });
  },
};
