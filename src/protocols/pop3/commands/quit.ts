// QUIT (RFC 1939 §6): in TRANSACTION it is the UPDATE state — the DELE marks are committed
// in one transaction and only then answered (test plan POP-04: no +OK before the commit).
import { err, ok } from "../codec/reply.js";
import type { CommandHandler } from "../context.js";

export const quit: CommandHandler = {
  state: "any",
  async handle(ctx) {
    if (ctx.state.kind !== "transaction") return ctx.close(ok("Moat POP3 signing off"));
    const { maildrop } = ctx.state;
    try {
      const { removed } = await maildrop.commit();
      ctx.close(ok(`Moat POP3 signing off (${removed} messages ${maildrop.leaveOnServer ? "marked as downloaded" : "deleted"})`));
    } catch (error) {
      ctx.log.error({ err: error }, "POP3 UPDATE failed; nothing deleted");
      ctx.close(err("Deleted messages were not removed; try again later", "SYS/TEMP"));
    }
  },
};
