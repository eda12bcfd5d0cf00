// The one mail-flow pipeline (DESIGN.md "Mail flow"). Every message — from the internet, from
// a user, or written by the server — enters process(); checkSender/checkRecipient let the SMTP
// session refuse early. Stages run in order: sender checks, the boundary of internal-only
// accounts and group permissions (recipient-policy.ts; at RCPT TO for SMTP), holds for
// moderators and auditors, then the delivery plan (decision 0023): admin filter rules, the
// external-mail warning, monitoring copies, user rules (Sieve, forwarding). Each stage adds
// to the message trace, written with the outcome. process() resolves "accept" only after one
// committed transaction holds the message (and its trace) for every local recipient and every
// remote one in the outbound queue.
import { domainOf, type Address } from "../../mail/address.js";
import libmime from "libmime";
import { failpoint } from "../../shared/failpoints.js";
import { randomId } from "../../shared/ids.js";
import type { Logger } from "../../shared/logger.js";
import type { LocalTarget, MailStore, PreparedBody } from "../mailstore/service.js";
import type { Clock } from "../ports/clock.js";
import type { DnsResolver } from "../ports/dns.js";
import type { Store } from "../ports/store.js";
import { readCompany, type Company } from "./company.js";
import { externalHeaderName } from "./external-warning.js";
import { externalWarningStage } from "./external-warning-stage.js";
import { folderOf, traceLocal } from "./plan-storage.js";
import { domainFlowSettingsSchema, readFlowSettings } from "./flow-settings.js";
import { verifyInbound, type InboundAuth } from "./inbound-auth.js";
import { adminRulesStage } from "./admin-rules-stage.js";
import { applyEdits } from "./apply-edits.js";
import { editsKey, inbox, junk, type CopyEdit, type DeliveryPlan, type LocalCopy } from "./copies.js";
import type { StageContext, StageTools } from "./stage.js";
import { userRulesStage } from "./user-rules-stage.js";
import { expandRecipients, resolveAddress } from "./recipients.js";
import type { HeldMessage, HoldKind } from "./held.js";
import { auditorOf, moderationOf, previewOf } from "./hold-rules.js";
import type { User } from "../accounts/types.js";
import { monitorCopies, monitorHeader } from "./monitoring.js";
import { noticeMessage, type Notice } from "./notice.js";
import { internalOnly, recipientRefusal, senderOf } from "./recipient-policy.js";
import { senderOwned, headerFromOwned } from "./sender-rules.js";
import { TraceLog, type MessageTrace, type TraceEntry } from "./trace.js";
import { countReceived, headerValues, receivedHeader, stripHeader, stripOwnAuthResults } from "./trace-headers.js";
import type { Envelope, MailFlow, Origin, Verdict } from "./types.js";

type Tx = Omit<Store, "transaction" | "close">;

/** Hands remote recipients to the outbound queue inside the delivery transaction. */
export type EnqueueRemote = (
  tx: Tx,
  job: { body: PreparedBody; mailFrom: Address | null; recipients: readonly Address[]; origin: Origin; envelope: Envelope; id: string },
) => Promise<void>;

export interface MailFlowDeps {
  readonly store: Store;
  readonly mailstore: MailStore;
  readonly clock: Clock;
  readonly dns: DnsResolver;
  readonly hostname: string;
  readonly maxMessageBytes: number;
  readonly maxReceivedHeaders: number;
  readonly enqueueRemote: EnqueueRemote;
  /** Called after a commit that queued remote mail, so delivery starts at once. */
  readonly onQueued?: () => void;
  readonly logger?: Logger;
}

const accept = (id?: string): Verdict => (id === undefined ? { kind: "accept" } : { kind: "accept", id });
const reject = (reason: Extract<Verdict, { kind: "reject" }>["reason"], text: string): Verdict => ({ kind: "reject", reason, text });
const tempfail = (reason: Extract<Verdict, { kind: "tempfail" }>["reason"], text: string): Verdict => ({ kind: "tempfail", reason, text });

/** RFC 2047 words decoded for searching; a malformed one stays as it came. */
function decodedWords(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** The stored trace: the envelope, what an admin searches by, and every stage's entries. */
function traceOf(at: number, id: string, origin: Origin, envelope: Envelope, message: Buffer, decision: MessageTrace["decision"], trace: TraceLog): MessageTrace {
  const first = (name: string) => (headerValues(message, name)[0] ?? "").slice(0, 998);
  return {
    id,
    at,
    origin: origin.kind,
    mailFrom: envelope.mailFrom,
    recipients: envelope.recipients,
    subject: decodedWords(first("subject")),
    messageId: first("message-id").replace(/^<|>$/g, ""),
    size: message.length,
    decision,
    stages: trace.entries,
  };
}

export function newMessageId(): string {
  return randomId(9).toUpperCase().replace(/[-_]/g, "X");
}

/** The pipeline as the composition root holds it: what the edges use, and the release of held mail. */
export interface Pipeline extends MailFlow {
  release(held: HeldMessage, message: Buffer): Promise<Verdict>;
}

/** The trace stage a hold of this kind belongs to. */
function holdStageName(kind: HoldKind): "group_permissions" | "audit" | "admin_rules" {
  return kind === "moderation" ? "group_permissions" : kind === "audit" ? "audit" : "admin_rules";
}

export function createMailFlow(deps: MailFlowDeps): Pipeline {
  const { store } = deps;
  const systemEnvelope = (to: Address): Envelope => ({ mailFrom: null, recipients: [to], smtpUtf8: true, body: "8BITMIME" });
  const tools: StageTools = {
    store,
    hostname: deps.hostname,
    ...(deps.logger ? { logger: deps.logger } : {}),
    hold: async (ctx, hold) => (await keepHeld(ctx.origin, ctx.envelope, ctx.message, ctx.id, [hold], null))[0]!,
    send: (envelope, message) => process({ kind: "system", purpose: "notice" }, envelope, message),
    notice: (notice: Notice) => process({ kind: "system", purpose: "notice" }, systemEnvelope(notice.to as Address), noticeMessage(notice, deps.clock.now(), deps.hostname)),
  };

  async function checkSender(origin: Origin, mailFrom: Address | null, declaredSize: number | undefined): Promise<Verdict> {
    if (declaredSize !== undefined && declaredSize > deps.maxMessageBytes) {
      return reject("too_large", `Message size exceeds the limit of ${deps.maxMessageBytes} bytes`);
    }
    if (origin.kind === "submission" && !(await senderOwned(store, origin.userId, mailFrom))) {
      return reject("sender_not_owned", `Sender address rejected: ${mailFrom ?? "<>"} is not an address of ${origin.user}`);
    }
    return accept();
  }

  async function checkRecipient(origin: Origin, mailFrom: Address | null, recipient: Address): Promise<Verdict> {
    const found = await resolveAddress(store, recipient);
    if (found.kind === "unknown") return reject("unknown_recipient", `Recipient address rejected: ${recipient}: no such user here`);
    // No open relay, ever: only our own authenticated users send outward.
    if (found.kind === "remote" && origin.kind === "mx") return reject("relay_denied", `Relay access denied: ${domainOf(recipient)} is not hosted here`);
    const refusal = await recipientRefusal(store, await readCompany(store), origin, await senderOf(store, origin, mailFrom), recipient, found);
    if (refusal !== null) {
      // No message was received: the trace names the refused recipient and the rule.
      await store.messageTraces.append({
        id: `${newMessageId()}.R`,
        at: deps.clock.now(),
        origin: origin.kind,
        mailFrom,
        recipients: [recipient],
        subject: "",
        messageId: "",
        size: 0,
        decision: "rejected",
        stages: [{ stage: refusal.stage, decision: "reject", recipients: [recipient], reason: refusal.code, text: refusal.text }],
      });
      return reject("policy", refusal.text);
    }
    if (found.kind === "user") {
      if (found.user.quotaBytes > 0 && (await store.quota.usage(found.user.id)) >= found.user.quotaBytes) {
        return tempfail("over_quota", `Mailbox of ${recipient} is full`);
      }
    }
    return accept();
  }

  /** Sender checks: loop, size, authentication (MX) or From ownership (submission). */
  async function senderStage(origin: Origin, envelope: Envelope, message: Buffer): Promise<{ verdict: Verdict } | { message: Buffer; auth: InboundAuth | null }> {
    if (message.length > deps.maxMessageBytes) return { verdict: reject("too_large", "Message too big") };
    if (countReceived(message) > deps.maxReceivedHeaders) return { verdict: reject("mail_loop", "Too many Received headers: mail loop") };
    if (origin.kind === "submission") {
      if (!(await headerFromOwned(store, origin.userId, message))) {
        return { verdict: reject("sender_not_owned", `From header rejected: not an address of ${origin.user}`) };
      }
      return { message, auth: null };
    }
    if (origin.kind !== "mx") return { message, auth: null };
    const cleaned = stripOwnAuthResults(message, deps.hostname);
    const auth = await verifyInbound(cleaned, { ip: origin.ip, helo: origin.helo, sender: envelope.mailFrom, hostname: deps.hostname, resolver: deps.dns });
    deps.logger?.info({ session: origin.sessionId, ...auth.summary }, "inbound authentication");
    if (auth.dmarcAction === "reject") {
      return { verdict: reject("dmarc_reject", "Message rejected: the sender's domain publishes DMARC p=reject and the message failed it") };
    }
    return { message: Buffer.concat([Buffer.from(auth.headers, "latin1"), cleaned]), auth };
  }

  /**
   * Stage 2 once more, after aliases and groups expanded: an internal-only sender's mail does
   * not leave through a list pointing outside, and an internal-only member does not get mail
   * from outside through a group that accepts it. Returns who is left.
   */
  async function boundaryAfterExpansion(origin: Origin, envelope: Envelope, recipients: readonly Address[], company: Company, trace: TraceLog) {
    const expansion = await expandRecipients(store, recipients);
    const sender = await senderOf(store, origin, envelope.mailFrom);
    const senderDomain = sender.user ? domainOf(sender.user.address) : null;
    let remote = expansion.remote;
    if (sender.user && remote.length > 0 && (await internalOnly(store, company, sender.user)).on) {
      trace.add({ stage: "boundary", decision: "drop", recipients: remote, reason: "internal_only_sender", text: `${sender.user.address} may send only inside the company` });
      remote = [];
    }
    const users = [];
    for (const user of expansion.users) {
      const outside = origin.kind !== "system" && !(senderDomain !== null && company.same(senderDomain, domainOf(user.address)));
      if (outside && (await internalOnly(store, company, user)).on) {
        trace.add({ stage: "boundary", decision: "drop", recipients: [user.address], reason: "internal_only_recipient", text: `${user.address} accepts mail only from inside the company` });
        continue;
      }
      users.push(user);
    }
    return { ...expansion, users, remote };
  }

  /** Stage 8: the supervisors' copies, prepared (header on top, the rest byte for byte) for the delivery transaction. */
  async function monitoring(origin: Origin, company: Company, users: readonly User[], remote: readonly Address[], message: Buffer, body: PreparedBody, trace: TraceLog) {
    if (origin.kind === "system") return [];
    const sender = origin.kind === "submission" ? ((await store.users.findById(origin.userId)) ?? null) : null;
    // The supervisor is not read here: the delivery finds the account with its folder (deliverOver).
    const out: Array<{ supervisor: Address; rule: string; folder: string; body: PreparedBody; traced: TraceEntry }> = [];
    for (const copy of await monitorCopies(store, company, deps.clock.now(), sender, users, remote)) {
      const supervisor = copy.rule.supervisor as Address;
      const traced: TraceEntry = { stage: "monitoring", decision: "deliver", recipients: [supervisor], reason: "monitor_copy", text: `copy of ${copy.direction} mail of ${copy.account} for rule ${copy.rule.name}` };
      out.push({ supervisor, rule: copy.rule.name, folder: copy.rule.folder, body: await deps.mailstore.prepareWithHeader(body, message, monitorHeader(copy)), traced });
      trace.add(traced);
    }
    return out;
  }

  /**
   * Stages 5 to 9 for `recipients` (the envelope's, less any held); the trace names the whole
   * envelope. The stages edit one plan of copies; one transaction stores them all.
   */
  async function deliveryStage(origin: Origin, envelope: Envelope, recipients: readonly Address[], message: Buffer, auth: InboundAuth | null, id: string, trace: TraceLog, resumed: HoldKind | null): Promise<Verdict> {
    const company = await readCompany(store);
    const expansion = await boundaryAfterExpansion(origin, envelope, recipients, company, trace);
    if (origin.kind === "mx" && expansion.remote.length > 0) {
      // An alias or group of ours pointing outside: forwarding, allowed for admin-made lists.
      deps.logger?.info({ id, remote: expansion.remote.length }, "forwarding to remote members");
    }
    const body = await deps.mailstore.prepare(message);
    const dmarc = auth?.dmarcAction ?? "none";
    const ctx: StageContext = { id, origin, envelope, message, body, auth: auth?.summary ?? null, company, trace, now: deps.clock.now() };
    const plan: DeliveryPlan = {
      local: expansion.users.map((user) => ({ user, edits: [], placements: [dmarc === "quarantine" ? junk : inbox] })),
      remote: expansion.remote.map((address) => ({ address, edits: [], mailFrom: envelope.mailFrom })),
      after: [],
    };
    // A quarantined message an admin released has passed the admin rules already.
    if (resumed !== "quarantine") await adminRulesStage(ctx, plan, tools);
    externalWarningStage(ctx, plan);
    const copies = await monitoring(origin, company, plan.local.map((c) => c.user), plan.remote.map((r) => r.address), message, body, trace);
    await userRulesStage(ctx, plan, tools);

    const bodies = new Map<string, PreparedBody>([["", body]]);
    const bodyOf = async (edits: readonly CopyEdit[]) => {
      const key = editsKey(edits);
      let prepared = bodies.get(key);
      // Marks that are only header fields on top (the usual case) reuse the message's index.
      const onlyFields = edits.every((e) => e.kind === "header");
      if (!prepared) bodies.set(key, (prepared = onlyFields ? await deps.mailstore.prepareWithHeader(body, message, edits.map((e) => (e.kind === "header" ? e.field : "")).join("")) : await deps.mailstore.prepare(applyEdits(message, edits))));
      return prepared;
    };
    const localBodies = new Map<LocalCopy, PreparedBody>();
    for (const copy of plan.local) if (copy.placements.length > 0) localBodies.set(copy, await bodyOf(copy.edits));
    const remoteJobs = new Map<string, { body: PreparedBody; mailFrom: Address | null; recipients: Address[] }>();
    for (const copy of plan.remote) {
      const key = `${editsKey(copy.edits)}\n${copy.mailFrom ?? ""}`;
      const job = remoteJobs.get(key) ?? { body: await bodyOf(copy.edits), mailFrom: copy.mailFrom, recipients: [] };
      if (!job.recipients.includes(copy.address)) job.recipients.push(copy.address);
      remoteJobs.set(key, job);
    }
    failpoint("flow.after_blob");
    traceLocal(plan, dmarc, trace);
    const queued = plan.remote.map((r) => r.address);
    if (queued.length > 0) trace.add({ stage: "delivery", decision: "queue", recipients: queued, reason: "queued", text: "queued for remote delivery" });
    if (expansion.dropped.length > 0) trace.add({ stage: "delivery", decision: "drop", recipients: expansion.dropped, reason: "no_target", text: "the address leads nowhere" });
    await store.transaction(async (tx) => {
      // One deliver() per body and flag set: each writes the body once and a row per mailbox.
      const batches = new Map<string, { body: PreparedBody; flags: readonly string[]; targets: LocalTarget[] }>();
      for (const [copy, copyBody] of localBodies) {
        for (const placement of copy.placements) {
          const mailboxId = await folderOf(tx, copy.user, placement.folder, expansion.inboxes.get(copy.user.id), deps.clock.now());
          if (mailboxId === undefined) continue;
          const key = `${copyBody.hash}\n${placement.flags.join(" ")}`;
          const batch = batches.get(key) ?? { body: copyBody, flags: placement.flags, targets: [] };
          batch.targets.push({ userId: copy.user.id, mailboxId });
          batches.set(key, batch);
        }
      }
      for (const batch of batches.values()) await deps.mailstore.deliver(tx, batch.body, batch.targets, batch.flags);
      // A supervisor's copy is stored over a recipient's body written above (decision 0027): a small row, not a second message.
      const written = [...batches.values()].map((b) => b.body);
      for (const copy of copies) {
        if ((await deps.mailstore.deliverOver(tx, copy.body, written, copy.supervisor, copy.folder)) !== null) continue;
        deps.logger?.warn({ rule: copy.rule }, "a monitoring rule's supervisor no longer exists");
        const at = trace.entries.indexOf(copy.traced);
        trace.entries[at] = { ...copy.traced, decision: "drop", reason: "no_supervisor", text: `no copy for rule ${copy.rule}: its supervisor ${copy.supervisor} no longer exists` };
      }
      await tx.messageTraces.append(traceOf(deps.clock.now(), id, origin, envelope, message, "accepted", trace));
      for (const job of remoteJobs.values()) {
        await deps.mailstore.keep(tx, job.body);
        await deps.enqueueRemote(tx, { body: job.body, mailFrom: job.mailFrom, recipients: job.recipients, origin, envelope, id });
      }
      failpoint("flow.before_commit");
      // Group commit: deliveries committing together share one flush to disk, off the event
      // loop; this still resolves only once the message is on stable storage (ports/store.ts).
    }, { group: true });
    failpoint("flow.after_commit");
    if (remoteJobs.size > 0) deps.onQueued?.();
    deps.logger?.info({ id, local: localBodies.size, remote: queued.length, dropped: expansion.dropped.length, size: body.size }, "message accepted");
    for (const effect of plan.after) {
      try {
        await effect();
      } catch (err) {
        deps.logger?.error({ err, id }, "an effect after delivery failed");
      }
    }
    return accept(id);
  }

  /** A refused message's trace, written on its own (nothing else is committed). */
  async function refused(id: string, origin: Origin, envelope: Envelope, message: Buffer, verdict: Verdict, trace: TraceLog, stage: "sender" | "boundary"): Promise<Verdict> {
    if (verdict.kind === "accept") return verdict;
    trace.add({ stage, decision: verdict.kind, reason: verdict.reason, text: verdict.text });
    await store.messageTraces.append(traceOf(deps.clock.now(), id, origin, envelope, message, verdict.kind === "reject" ? "rejected" : "tempfail", trace));
    return verdict;
  }

  /**
   * Stage 2 for the whole message: an internal-only sender whose list had outside recipients
   * (refused at RCPT TO) sends nothing, unless the domain allows delivering the inside ones.
   */
  async function boundaryWholeMessage(origin: Origin, envelope: Envelope): Promise<Verdict> {
    if (origin.kind !== "submission" || (envelope.refusedRecipients ?? []).length === 0) return accept();
    const user = await store.users.findById(origin.userId);
    if (!user) return accept();
    const rule = await internalOnly(store, await readCompany(store), user);
    if (!rule.on || rule.partial) return accept();
    return reject("policy", `${user.address} may send only inside the company; the message had outside recipients and was not sent to anyone`);
  }

  async function process(origin: Origin, envelope: Envelope, message: Buffer): Promise<Verdict> {
    const id = newMessageId();
    const trace = new TraceLog();
    try {
      const checked = await senderStage(origin, envelope, message);
      if ("verdict" in checked) return await refused(id, origin, envelope, message, checked.verdict, trace, "sender");
      const boundary = await boundaryWholeMessage(origin, envelope);
      if (boundary.kind !== "accept") return await refused(id, origin, envelope, message, boundary, trace, "boundary");
      const received = receivedHeader(origin, { hostname: deps.hostname, id, recipients: envelope.recipients, date: new Date(deps.clock.now()) });
      // Nobody outside writes our warning mark: one arriving with the message is removed.
      const inbound = origin.kind === "mx" ? stripHeader(checked.message, externalHeaderName) : checked.message;
      const stamped = Buffer.concat([Buffer.from(received, "latin1"), inbound]);
      const going = await holdStage(origin, envelope, envelope.recipients, stamped, id, trace, "moderation");
      if (going.length === 0) return await allHeld(id, origin, envelope, stamped, trace);
      return await deliveryStage(origin, envelope, going, stamped, checked.auth, id, trace, null);
    } catch (err) {
      // A store or lookup failure is temporary for the sender: never 5xx, never a silent drop.
      deps.logger?.error({ err, id }, "message processing failed");
      return tempfail("unavailable", "Temporary failure storing the message; try again later");
    }
  }

  /** Every recipient waits: the message is safe (kept with its holds), the trace says held. */
  async function allHeld(id: string, origin: Origin, envelope: Envelope, message: Buffer, trace: TraceLog): Promise<Verdict> {
    await store.messageTraces.append(traceOf(deps.clock.now(), id, origin, envelope, message, "held", trace));
    return accept(id);
  }

  /**
   * Stages 3 (moderation) and 4 (audit): holds what must wait, kept durably with what resumes
   * it, and tells the deciders. Returns the recipients that go on now.
   */
  async function holdStage(origin: Origin, envelope: Envelope, recipients: readonly Address[], message: Buffer, id: string, trace: TraceLog, from: HoldKind): Promise<readonly Address[]> {
    if (origin.kind === "system") return recipients;
    const sender = await senderOf(store, origin, envelope.mailFrom);
    const holds: Array<{ kind: HoldKind; recipients: Address[]; rule: string; deciders: readonly Address[] }> = [];
    let going = [...recipients];
    if (from === "moderation") {
      const byGroup = new Map<Address, { recipients: Address[]; moderators: readonly Address[] }>();
      for (const recipient of going) {
        const moderation = await moderationOf(store, sender, recipient);
        if (!moderation) continue;
        const entry = byGroup.get(moderation.group) ?? { recipients: [], moderators: moderation.moderators };
        entry.recipients.push(recipient);
        byGroup.set(moderation.group, entry);
      }
      for (const [group, entry] of byGroup) holds.push({ kind: "moderation", recipients: entry.recipients, rule: `moderated group ${group}`, deciders: entry.moderators });
      const held = new Set(holds.flatMap((h) => h.recipients));
      going = going.filter((r) => !held.has(r));
    }
    const audit = going.length > 0 && sender.user ? await auditorOf(store, sender.user) : null;
    if (audit) {
      holds.push({ kind: "audit", recipients: going, rule: `approval before sending for ${audit.target}`, deciders: [audit.auditor] });
      going = [];
    }
    if (holds.length === 0) return going;
    const rows = await keepHeld(origin, envelope, message, id, holds, sender.user);
    for (const row of rows) {
      trace.add({ stage: holdStageName(row.kind), decision: "hold", recipients: row.recipients, reason: `held_for_${row.kind}`, text: `held as ${row.id} for ${row.deciders.join(", ")} (${row.rule})` });
      await tellDeciders(row);
    }
    return going;
  }

  /**
   * Keeps the message durably with each hold (what resumes it on release): one row per hold,
   * the timeout from the sender's domain (or the first recipient's).
   */
  async function keepHeld(origin: Origin, envelope: Envelope, message: Buffer, id: string, holds: ReadonlyArray<{ kind: HoldKind; recipients: readonly Address[]; rule: string; deciders: readonly Address[] }>, senderUser: User | null): Promise<HeldMessage[]> {
    const settings = readFlowSettings(domainFlowSettingsSchema, senderUser ? await store.flowSettings.getDomain(senderUser.domainId) : await holdDomainSettings(holds[0]!.recipients[0]!));
    const now = deps.clock.now();
    const body = await deps.mailstore.prepare(message);
    const subject = decodedWords(headerValues(message, "subject")[0] ?? "").slice(0, 998);
    const preview = previewOf(message);
    // Holds of stages 3–4 are .H1, .H2…; an admin rule's quarantine (stage 5, one call) is .Q1, .Q2….
    const rows: HeldMessage[] = holds.map((h, i) => ({
      id: `${id}.${h.kind === "quarantine" ? "Q" : "H"}${i + 1}`,
      kind: h.kind,
      at: now,
      expiresAt: now + settings.holdTimeoutHours * 3_600_000,
      timeoutAction: settings.holdTimeoutAction,
      origin,
      mailFrom: envelope.mailFrom,
      recipients: h.recipients,
      bodyHash: body.hash,
      subject,
      preview,
      rule: h.rule,
      deciders: h.deciders,
      status: "held",
      decidedAt: null,
      decidedBy: null,
      note: "",
    }));
    await store.transaction(async (tx) => {
      await deps.mailstore.keep(tx, body);
      for (const row of rows) await tx.heldMessages.add(row);
    });
    return rows;
  }

  /** A hold's domain settings when the sender is not ours (mail from outside to a moderated group): the group's domain. */
  async function holdDomainSettings(recipient: Address): Promise<unknown> {
    const domain = await store.domains.findByName(domainOf(recipient));
    return domain ? store.flowSettings.getDomain(domain.id) : undefined;
  }

  async function tellDeciders(held: HeldMessage): Promise<void> {
    for (const decider of held.deciders) {
      const lines = [
        `A message is waiting for your ${held.kind === "moderation" ? "moderation" : "approval"} (${held.rule}).`,
        "",
        `From:    ${held.mailFrom ?? "<>"}`,
        `To:      ${held.recipients.join(", ")}`,
        `Subject: ${held.subject}`,
        "",
        held.preview,
        "",
        `Approve it with: moat audit approve ${held.id}`,
        `Reject it with:  moat audit reject ${held.id} --reason "…"`,
      ];
      const notice = noticeMessage({ fromDomain: domainOf(decider), to: decider, subject: `Approval needed: ${held.subject || "(no subject)"}`, lines, kind: "held" }, deps.clock.now(), deps.hostname);
      const verdict = await process({ kind: "system", purpose: "notice" }, { mailFrom: null, recipients: [decider], smtpUtf8: true, body: "8BITMIME" }, notice);
      if (verdict.kind !== "accept") deps.logger?.warn({ held: held.id, decider }, "could not tell a decider about a held message");
    }
  }

  /**
   * A decided hold goes on through the rest of the pipeline, as a message of its own (a new
   * queue id and trace, naming the hold): moderation next meets the audit stage, audit goes to
   * delivery.
   */
  async function release(held: HeldMessage, message: Buffer): Promise<Verdict> {
    const id = newMessageId();
    const trace = new TraceLog();
    trace.add({ stage: holdStageName(held.kind), decision: "pass", recipients: held.recipients, reason: "released", text: `released from hold ${held.id}` });
    const envelope: Envelope = { mailFrom: held.mailFrom, recipients: held.recipients, smtpUtf8: true, body: "8BITMIME" };
    try {
      const going = held.kind === "moderation" ? await holdStage(held.origin, envelope, held.recipients, message, id, trace, "audit") : held.recipients;
      if (going.length === 0) return await allHeld(id, held.origin, envelope, message, trace);
      return await deliveryStage(held.origin, envelope, going, message, null, id, trace, held.kind);
    } catch (err) {
      deps.logger?.error({ err, id, held: held.id }, "releasing a held message failed");
      return tempfail("unavailable", "Temporary failure delivering the released message");
    }
  }

  return { checkSender, checkRecipient, process, release };
}
