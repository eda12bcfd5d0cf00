// moat recall SENDER MESSAGE-ID: withdraw a sent message from its internal recipients (the
// domain's window and unread-only rule apply); moat purge DOMAIN [--message-id ID] [--from A]
// [--subject TEXT] [--dry-run]: find every copy in the domain's mailboxes and delete them.
// Both print one line per recipient or copy; both are in the admin audit log.
import type { Command } from "commander";
import { cliActor } from "../actor.js";
import { outputOf, withMoat, type CliIo } from "../context.js";

export function recallCommands(program: Command, io: CliIo): void {
  program
    .command("recall <sender> <message-id>")
    .description("withdraw a message the sender sent, from each internal recipient's mailbox")
    .action((sender: string, messageId: string, _o, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const report = await moat.recall.recall(sender, messageId, cliActor());
        outputOf(cmd, io).rows(report, { RECIPIENT: (r) => r.recipient, OUTCOME: (r) => r.outcome }, (r) => r);
      }),
    );

  program
    .command("purge <domain>")
    .description("delete every copy of a message from the domain's mailboxes, read or not (e.g. a phishing mail)")
    .option("--message-id <id>", "the Message-ID header")
    .option("--from <address>", "an address in the From header")
    .option("--subject <text>", "part of the subject")
    .option("--dry-run", "only list the copies")
    .action((domain: string, opts: { messageId?: string; from?: string; subject?: string; dryRun?: boolean }, cmd: Command) =>
      withMoat(cmd, async (moat) => {
        const copies = await moat.recall.purge(domain, { messageId: opts.messageId, from: opts.from, subject: opts.subject }, cliActor(), { dryRun: opts.dryRun === true });
        outputOf(cmd, io).rows(
          copies,
          { USER: (c) => c.user, FOLDER: (c) => c.mailbox, UID: (c) => String(c.uid), READ: (c) => (c.seen ? "yes" : "no"), RESULT: () => (opts.dryRun ? "found" : "deleted"), SUBJECT: (c) => c.subject.slice(0, 50) },
          (c) => ({ ...c, result: opts.dryRun ? "found" : "deleted" }),
        );
      }),
    );
}
