// Recall and purge (issue 7 item 8). A user withdraws a message they sent to internal
// recipients within the domain's window: each recipient's copy goes if unread (or always, per
// the domain), and the report says what happened per recipient. An admin finds every copy of a
// message in a domain's mailboxes — by Message-ID, sender or subject — and deletes them all in
// one batch, read or not: the answer to a phishing mail that reached forty inboxes. Copies are
// expunged through MailboxOperations, so IMAP sessions see them go. Monitoring copies (a
// supervisor's record, X-Moat-Monitor) are never touched.
import { domainOf, type Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { User } from "../accounts/types.js";
import { downloadedKeyword } from "../maildrop/maildrop.js";
import type { MailboxOperations } from "../mailstore/operations.js";
import type { Clock } from "../ports/clock.js";
import type { StoredMessage } from "../ports/mailstore.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import { domainFlowSettingsSchema, readFlowSettings } from "./flow-settings.js";
import { monitorHeaderName } from "./monitoring.js";
import type { ReleasingFlow } from "./held-queue.js";
import { noticeMessage } from "./notice.js";
import { headerValues } from "./trace-headers.js";

export interface MessageQuery {
  /** The Message-ID header, with or without angle brackets. */
  readonly messageId?: string | undefined;
  /** An address in the From header. */
  readonly from?: string | undefined;
  /** A part of the subject, case-insensitive. */
  readonly subject?: string | undefined;
}

export interface FoundCopy {
  readonly user: Address;
  readonly userId: number;
  readonly mailbox: string;
  readonly uid: number;
  readonly seen: boolean;
  readonly downloaded: boolean;
  readonly subject: string;
}

export type RecallOutcome = "withdrawn" | "already_read" | "downloaded_pop3" | "not_found" | "external";

const day = 86_400_000;
const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, "");

export class MessageRecall {
  constructor(
    private readonly store: Store,
    private readonly mailboxes: MailboxOperations,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly flow: Pick<ReleasingFlow, "process">,
    private readonly hostname: string,
  ) {}

  /** Every copy in these accounts' mailboxes that matches all the given criteria. */
  private async copiesIn(users: readonly User[], query: MessageQuery): Promise<FoundCopy[]> {
    const messageId = query.messageId === undefined ? undefined : stripBrackets(query.messageId);
    const from = query.from?.trim().toLowerCase();
    const subject = query.subject?.toLowerCase();
    if (messageId === undefined && from === undefined && subject === undefined) throw new MoatError("invalid_input", "give a message id, a sender or a subject");
    const found: FoundCopy[] = [];
    for (const user of users) {
      for (const box of await this.store.mailboxes.list(user.id)) {
        if (box.noselect) continue;
        const messages = await this.store.messages.list(box.id);
        if (messages.length === 0) continue;
        const headers = await this.headersOf(messages);
        for (const m of messages) {
          const header = headers.get(m.bodyHash);
          if (!header || headerValues(header, monitorHeaderName).length > 0) continue;
          const first = (name: string) => headerValues(header, name)[0] ?? "";
          if (messageId !== undefined && stripBrackets(first("message-id")) !== messageId) continue;
          if (from !== undefined && !first("from").toLowerCase().includes(from)) continue;
          if (subject !== undefined && !first("subject").toLowerCase().includes(subject)) continue;
          found.push({ user: user.address, userId: user.id, mailbox: box.name, uid: m.uid, seen: m.flags.includes("\\Seen"), downloaded: m.flags.includes(downloadedKeyword), subject: first("subject") });
        }
      }
    }
    return found;
  }

  private async headersOf(messages: readonly StoredMessage[]): Promise<Map<string, Buffer>> {
    const hashes = [...new Set(messages.map((m) => m.bodyHash))];
    const kept = await this.store.messages.getHeaders(hashes);
    const missing = hashes.filter((h) => !kept.get(h));
    const prefixes = missing.length > 0 ? await this.store.messages.getPrefixes(missing, 64 * 1024) : new Map<string, Buffer | null>();
    const out = new Map<string, Buffer>();
    for (const h of hashes) {
      const bytes = kept.get(h) ?? prefixes.get(h);
      if (bytes) out.set(h, bytes);
    }
    return out;
  }

  /** Removes copies, a mailbox at a time. */
  private async remove(copies: readonly FoundCopy[]): Promise<void> {
    const byBox = new Map<string, FoundCopy[]>();
    for (const c of copies) byBox.set(`${c.userId}\n${c.mailbox}`, [...(byBox.get(`${c.userId}\n${c.mailbox}`) ?? []), c]);
    for (const list of byBox.values()) await this.mailboxes.expungeUids(list[0]!.userId, list[0]!.mailbox, list.map((c) => [c.uid, c.uid] as const));
  }

  /** An admin's search of a domain's mailboxes, and (unless dryRun) the deletion of every copy found. */
  async purge(domainName: string, query: MessageQuery, actor: Actor, options: { dryRun?: boolean } = {}): Promise<FoundCopy[]> {
    const domain = await this.accounts.getDomain(domainName);
    const copies = await this.copiesIn(await this.store.users.list(domain.id), query);
    if (options.dryRun) return copies;
    await this.remove(copies);
    await this.audit.record(actor, { action: "mail.purge", target: domain.name, before: query, after: { removed: copies.length, mailboxes: [...new Set(copies.map((c) => `${c.user}/${c.mailbox}`))] } });
    return copies;
  }

  /**
   * The sender withdraws a message they sent (found by its Message-ID in the message trace)
   * from each internal recipient; remote recipients are reported as out of reach.
   */
  async recall(senderInput: string, messageIdInput: string, actor: Actor): Promise<Array<{ recipient: Address; outcome: RecallOutcome }>> {
    const sender = await this.accounts.getUser(senderInput);
    const settings = readFlowSettings(domainFlowSettingsSchema, await this.store.flowSettings.getDomain(sender.domainId));
    const messageId = stripBrackets(messageIdInput);
    const since = this.clock.now() - settings.recallWindowDays * day;
    const traces = (await this.store.messageTraces.search({ from: sender.address, messageId, since, limit: 20 })).filter((t) => t.decision === "accepted");
    if (traces.length === 0) throw new MoatError("invalid_input", `no message <${messageId}> sent by ${sender.address} in the last ${settings.recallWindowDays} days`);
    const delivered = new Set<Address>();
    const external = new Set<Address>();
    for (const entry of traces.flatMap((t) => t.stages)) {
      if (entry.stage !== "delivery") continue;
      for (const r of entry.recipients ?? []) (entry.decision === "deliver" ? delivered : entry.decision === "queue" ? external : new Set<Address>()).add(r);
    }
    const report: Array<{ recipient: Address; outcome: RecallOutcome }> = [...external].map((recipient) => ({ recipient, outcome: "external" as const }));
    for (const recipient of delivered) {
      if (recipient === sender.address) continue;
      const user = await this.store.users.findByAddress(recipient);
      const copies = user ? (await this.copiesIn([user], { messageId })).filter((c) => c.mailbox !== "Sent") : [];
      if (copies.length === 0) {
        report.push({ recipient, outcome: "not_found" });
        continue;
      }
      const read = copies.some((c) => c.seen);
      const downloaded = copies.some((c) => c.downloaded);
      if (settings.recallUnreadOnly && (read || downloaded)) {
        report.push({ recipient, outcome: downloaded ? "downloaded_pop3" : "already_read" });
        continue;
      }
      await this.remove(copies);
      report.push({ recipient, outcome: "withdrawn" });
      if (settings.recallNotice) await this.tell(recipient, sender.address, copies[0]!.subject);
    }
    await this.audit.record(actor, { action: "mail.recall", target: sender.address, before: { messageId }, after: report });
    return report;
  }

  private async tell(recipient: Address, sender: Address, subject: string): Promise<void> {
    const lines = [`${sender} withdrew the message "${subject}" they had sent you; it was removed from your mailbox.`];
    const notice = noticeMessage({ fromDomain: domainOf(recipient), to: recipient, subject: `Message withdrawn: ${subject || "(no subject)"}`, lines, kind: "recall" }, this.clock.now(), this.hostname);
    await this.flow.process({ kind: "system", purpose: "notice" }, { mailFrom: null, recipients: [recipient], smtpUtf8: true, body: "8BITMIME" }, notice);
  }
}
