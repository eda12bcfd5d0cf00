// Carrying out one recipient's user rules on the delivery plan (stage 9): the plain forward
// setting, then the active Sieve script's actions — keep and fileinto become placements,
// discard and reject remove the copy, redirect adds a copy for the target, vacation queues a
// reply. Forwarding outside the company is checked against the ban again here: refused, the
// message stays with the user, the attempt is logged and the user gets a 5.7.520 notice.
import { domainOf, parseAddress, type Address } from "../../../mail/address.js";
import type { User } from "../../accounts/types.js";
import { mailboxName } from "../../mailstore/names.js";
import type { UserRulesRow } from "../../ports/user-rules.js";
import { runSieve, sieveMessageOf, type SieveAction, type SieveMessage, type SieveOutcome, type SieveVacation } from "../../sieve/index.js";
import { inbox, type DeliveryPlan, type FolderRef, type LocalCopy, type Placement } from "../copies.js";
import { accountFlowSettingsSchema, readFlowSettings, type AccountFlowSettings } from "../flow-settings.js";
import { expandRecipients, resolveAddress } from "../recipients.js";
import type { StageContext, StageTools } from "../stage.js";
import type { TraceEntry } from "../trace.js";
import { headerValues } from "../trace-headers.js";
import { attemptOf, autoForwardOn, forwardingRefusedStatus, outsideCompany } from "./forwarding-ban.js";
import { forwardSettingRule } from "./forwarding.js";
import { compiledScript } from "./script-cache.js";
import { maxVacationPeriodMs, vacationHandle, vacationPeriodMs, vacationRefusal, vacationReply } from "./vacation.js";

type Via = "sieve" | "forward-setting";

/** When each store's vacation memory was last pruned: at most hourly, by whichever reply comes. */
const lastPrune = new WeakMap<object, number>();
const pruneEveryMs = 3_600_000;

/** Names the Message-ID of the notice of a refused forward (notice.ts: <random.KIND@host>). */
const refusedForwardNotice = "forward-refused";

/**
 * Our own notice of a refused forward does not go through the user's rules: forwarded, it
 * would be refused (and logged) once more; discarded or filed away, the user would not see it.
 */
export function isRefusedForwardNotice(ctx: StageContext, hostname: string): boolean {
  if (ctx.origin.kind !== "system") return false;
  return (headerValues(ctx.message, "message-id")[0] ?? "").trim().endsWith(`.${refusedForwardNotice}@${hostname}>`);
}

const folderKey = (f: FolderRef) => (f.kind === "named" ? `n:${f.name}` : f.kind === "special" ? `s:${f.use}` : "inbox");

/** Adds a placement unless the copy already goes to that folder (RFC 5228 §2.10.3: one copy per mailbox). */
function place(placements: Placement[], placement: Placement): void {
  if (!placements.some((p) => folderKey(p.folder) === folderKey(placement.folder))) placements.push(placement);
}

/** A fileinto mailbox's stored name; INBOX, and a name that is not valid, are the Inbox (null). */
function folderName(mailbox: string): string | null {
  try {
    const name = mailboxName(mailbox);
    return name === "INBOX" ? null : name;
  } catch {
    return null;
  }
}

export class UserRulesRun {
  private readonly subject: string;
  /** Effective auto-forwarding per account, read once per message. */
  private readonly allowed = new Map<number, boolean>();

  constructor(
    private readonly ctx: StageContext,
    private readonly plan: DeliveryPlan,
    private readonly tools: StageTools,
  ) {
    this.subject = ctx.body.index.subject ?? "";
  }

  async apply(copy: LocalCopy, row: UserRulesRow): Promise<void> {
    let own: AccountFlowSettings;
    try {
      own = readFlowSettings(accountFlowSettingsSchema, row.flowSettings);
    } catch (err) {
      this.tools.logger?.warn({ err, user: copy.user.address }, "unreadable account flow settings; user rules skipped");
      return;
    }
    if (own.forwardTo.length > 0) {
      const forwarded = await this.forward(copy, own.forwardTo, "forward-setting", forwardSettingRule, own);
      // A refused or failed forward keeps the copy whatever the setting says: nothing is lost.
      if (!own.forwardKeep && forwarded) {
        // Forwarded without a copy: nothing is stored here, so no script has anything to file.
        copy.placements = [];
        this.trace({ decision: "drop", recipients: [copy.user.address], reason: "forwarded", text: `forwarded by the forward setting; no copy kept for ${copy.user.address}` });
        return;
      }
    }
    if (row.script) await this.runScript(copy, row.script, own);
  }

  private trace(entry: Omit<TraceEntry, "stage">): void {
    this.ctx.trace.add({ stage: "delivery", ...entry });
  }

  private async runScript(copy: LocalCopy, script: NonNullable<UserRulesRow["script"]>, own: AccountFlowSettings): Promise<void> {
    const user = copy.user;
    const compiled = compiledScript(this.tools.store, user.id, script);
    if (compiled === null) {
      this.tools.logger?.warn({ user: user.address, script: script.name }, "the active Sieve script does not compile; message kept");
      this.trace({ decision: "deliver", recipients: [user.address], reason: "sieve_error", text: `Sieve script ${script.name} does not compile; kept` });
      return;
    }
    const message = sieveMessageOf(this.ctx.message, { from: this.ctx.envelope.mailFrom ?? "", to: user.address });
    let outcome: SieveOutcome;
    try {
      outcome = runSieve(compiled, message);
    } catch (err) {
      // The engine is ours and pure; a fault in it must not turn into a tempfail for the sender.
      outcome = { actions: [{ kind: "keep", flags: [] }], error: err instanceof Error ? err.message : String(err) };
    }
    if (outcome.error !== null) {
      this.tools.logger?.warn({ user: user.address, script: script.name, error: outcome.error, id: this.ctx.id }, "Sieve script failed at run time; message kept");
      this.trace({ decision: "deliver", recipients: [user.address], reason: "sieve_error", text: `Sieve script ${script.name} failed (${outcome.error}); kept` });
    }
    const original = copy.placements;
    const placements: Placement[] = [];
    const keep = (flags: readonly string[]) => {
      for (const p of original) place(placements, { folder: p.folder, flags: [...new Set([...p.flags, ...flags])] });
    };
    for (const action of outcome.actions) {
      if (action.kind === "redirect") {
        if (!(await this.forward(copy, [action.address], "sieve", script.name, own))) keep([]);
      } else if (action.kind === "vacation") {
        await this.vacation(user, action.vacation, message);
      } else if (action.kind === "fileinto") {
        const folder = await this.folderOf(user, action.mailbox, action.create);
        place(placements, { folder, flags: action.flags });
        this.trace({ decision: "deliver", recipients: [user.address], reason: "sieve_fileinto", text: `filed into ${folder.kind === "named" ? folder.name : "INBOX"} by Sieve script ${script.name}` });
      } else {
        this.simpleAction(copy, action, script.name, keep);
      }
    }
    copy.placements = placements;
  }

  /**
   * The folder a fileinto names. A missing one without :create is the Inbox (RFC 5228 §4.1
   * files there rather than lose the message), decided here so that keep and fileinto of a
   * missing folder make one Inbox copy, not two.
   */
  private async folderOf(user: User, mailbox: string, create: boolean): Promise<FolderRef> {
    const name = folderName(mailbox);
    if (name === null) return { kind: "inbox" };
    if (create) return { kind: "named", name, create };
    const box = await this.tools.store.mailboxes.findByName(user.id, name);
    return box && !box.noselect ? { kind: "named", name, create: false } : { kind: "inbox" };
  }

  /** keep, discard, reject: placements and the trace, and a notice for reject. */
  private simpleAction(copy: LocalCopy, action: Exclude<SieveAction, { kind: "redirect" | "vacation" | "fileinto" }>, name: string, keep: (flags: readonly string[]) => void): void {
    const user = copy.user.address;
    if (action.kind === "keep") keep(action.flags);
    else if (action.kind === "discard") {
      this.trace({ decision: "drop", recipients: [user], reason: "sieve_discard", text: `discarded by Sieve script ${name}` });
    } else {
      this.trace({ decision: "reject", recipients: [user], reason: "sieve_reject", text: `rejected by Sieve script ${name}: ${action.reason.slice(0, 200)}` });
      this.rejectNotice(copy.user, action.reason);
    }
  }

  /** RFC 5429 §2.1: the sender learns of the refusal — never the null path, never for our own notices. */
  private rejectNotice(user: User, reason: string): void {
    const sender = this.ctx.envelope.mailFrom;
    if (sender === null || this.ctx.origin.kind === "system") return;
    const subject = this.subject;
    this.plan.after.push(async () => {
      await this.tools.notice({
        fromDomain: domainOf(user.address),
        to: sender,
        subject: `Rejected: ${subject || "(no subject)"}`,
        lines: [`Your message to ${user.address} was rejected by the recipient's mail filter.`, "", `Reason: ${reason}`, "", `Subject: ${subject}`, `Queue id: ${this.ctx.id}`],
        kind: "rejected",
      });
    });
  }

  /**
   * Sends the message on to each target (a redirect, or the forward setting). Returns false
   * when a target was refused by the ban or leads nowhere: the caller keeps the message then.
   */
  private async forward(copy: LocalCopy, targets: readonly string[], via: Via, rule: string, own: AccountFlowSettings): Promise<boolean> {
    const user = copy.user;
    const what = via === "sieve" ? `Sieve script ${rule}` : "the forward setting";
    const refused: string[] = [];
    let ok = true;
    for (const raw of targets) {
      const parsed = parseAddress(raw);
      if (!parsed.ok || parsed.value === user.address) continue;
      const target = parsed.value;
      if (outsideCompany(this.ctx.company, user.address, target) && !(await this.mayForward(user, own))) {
        refused.push(target);
        continue;
      }
      if (!(await this.sendOn(copy, target, what))) ok = false;
    }
    if (refused.length > 0) {
      this.trace({ decision: "reject", recipients: [user.address], reason: "forwarding_disabled", text: `${forwardingRefusedStatus} (${what} of ${user.address} to ${refused.join(", ")}; kept)` });
      this.refusedForward(user, refused, via, rule, what);
    }
    return ok && refused.length === 0;
  }

  private async mayForward(user: User, own: AccountFlowSettings): Promise<boolean> {
    let on = this.allowed.get(user.id);
    if (on === undefined) this.allowed.set(user.id, (on = await autoForwardOn(this.tools.store, user, own)));
    return on;
  }

  /** After the commit: each refusal logged; the user told with Exchange's status, unless this is our own notice. */
  private refusedForward(user: User, refused: readonly string[], via: Via, rule: string, what: string): void {
    const { id, now, origin } = this.ctx;
    const subject = this.subject;
    this.plan.after.push(async () => {
      for (const target of refused) await this.tools.store.forwardingAttempts.append(attemptOf(user, target, { at: now, via, phase: "delivery", outcome: "refused", rule, messageId: id }));
      // Mail the server wrote (a bounce, a notice) gets no notice back: that could loop.
      if (origin.kind === "system") return;
      await this.tools.notice({
        fromDomain: domainOf(user.address),
        to: user.address,
        subject: `Undeliverable: ${subject || "(no subject)"}`,
        lines: [
          `Your message couldn't be forwarded to ${refused.join(", ")} (${what}).`,
          "",
          forwardingRefusedStatus,
          "",
          "Automatic forwarding outside the company is disabled for your account. The message was kept in your mailbox.",
          `Subject: ${subject}`,
          `Queue id: ${id}`,
        ],
        kind: refusedForwardNotice,
      });
    });
  }

  /**
   * A copy for the target: remote, from the forwarding account (its own address as the
   * envelope sender); local, into the target's Inbox without running the target's rules
   * (which ends redirect loops between accounts). False when the address leads nowhere.
   */
  private async sendOn(copy: LocalCopy, target: Address, what: string): Promise<boolean> {
    const user = copy.user.address;
    const found = await resolveAddress(this.tools.store, target);
    const expansion = found.kind === "remote" ? { users: [], remote: [target] } : await expandRecipients(this.tools.store, [target]);
    if (expansion.users.length === 0 && expansion.remote.length === 0) {
      this.trace({ decision: "drop", recipients: [user], reason: "sieve_redirect", text: `${what} redirects to ${target}, which leads nowhere; kept` });
      return false;
    }
    for (const u of expansion.users) {
      if (this.plan.local.some((c) => c.user.id === u.id)) continue;
      this.plan.local.push({ user: u, edits: [...copy.edits], placements: [inbox] });
    }
    for (const address of expansion.remote) {
      if (this.plan.remote.some((r) => r.address === address)) continue;
      this.plan.remote.push({ address, edits: [], mailFrom: user });
    }
    this.trace({ decision: found.kind === "remote" ? "queue" : "deliver", recipients: [user], reason: "sieve_redirect", text: `redirected to ${target} by ${what}` });
    return true;
  }

  /** Decided now (for the trace); the memory is claimed and the reply sent after the commit. */
  private async vacation(user: User, v: SieveVacation, message: SieveMessage): Promise<void> {
    const sender = this.ctx.origin.kind === "system" ? null : this.ctx.envelope.mailFrom;
    const addresses = new Set<string>([user.address, ...v.addresses.map((a) => a.toLowerCase())]);
    for (const alias of await this.tools.store.aliases.list(user.domainId)) if (alias.target === user.address) addresses.add(alias.address);
    const refusal = vacationRefusal(message, sender, addresses);
    if (refusal !== null || sender === null) {
      this.trace({ decision: "pass", recipients: [user.address], reason: "vacation_skipped", text: `no vacation reply: ${refusal ?? "system mail"}` });
      return;
    }
    const handle = vacationHandle(v);
    const period = vacationPeriodMs(v);
    const last = await this.tools.store.vacationReplies.lastSent(user.id, handle, sender);
    if (last !== undefined && last > this.ctx.now - period) {
      this.trace({ decision: "pass", recipients: [user.address], reason: "vacation_skipped", text: `no vacation reply: ${sender} was answered within the period` });
      return;
    }
    this.trace({ decision: "pass", recipients: [user.address], reason: "vacation", text: `vacation reply to ${sender}` });
    const { now } = this.ctx;
    this.plan.after.push(async () => {
      const replies = this.tools.store.vacationReplies;
      if (now - (lastPrune.get(replies) ?? 0) > pruneEveryMs) {
        lastPrune.set(replies, now);
        await replies.prune(now - maxVacationPeriodMs);
      }
      // Claimed atomically: of two messages delivered at once, one reply.
      if (!(await replies.claim(user.id, handle, sender, now, now - period + 1))) return;
      const reply = vacationReply(v, { user: user.address, own: addresses, sender, message, now, hostname: this.tools.hostname });
      await this.tools.send({ mailFrom: null, recipients: [sender], smtpUtf8: true, body: "8BITMIME" }, reply);
    });
  }
}
