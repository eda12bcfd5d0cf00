// Deciding held mail (issue 7, items 2 and 3): a moderator or auditor — or an admin — approves
// (the message goes on through the rest of the pipeline) or rejects it (the sender gets a
// notice with the reason); a hold nobody decides in time follows its domain's timeout action.
// Rules for who is audited or moderated live in the flow settings (FlowSettingsService); the
// timeouts run in FlowUpkeep.
import { domainOf, parseAddress, type Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import type { MailStore } from "../mailstore/service.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import { actorName, type Actor } from "../security/audit.js";
import type { HeldMessage, HoldKind, HoldStatus } from "./held.js";
import { noticeMessage } from "./notice.js";
import type { MailFlow, Verdict } from "./types.js";

export interface ReleasingFlow {
  release(held: HeldMessage, message: Buffer): Promise<Verdict>;
  process: MailFlow["process"];
}

const timeoutActor: Actor = { kind: "admin", name: "timeout" };

export class HeldQueue {
  constructor(
    private readonly store: Store,
    private readonly mailstore: MailStore,
    private readonly flow: ReleasingFlow,
    private readonly clock: Clock,
    private readonly hostname: string,
    private readonly logger?: Logger,
  ) {}

  list(query: { status?: HoldStatus; kind?: HoldKind; decider?: string; limit: number }): Promise<HeldMessage[]> {
    return this.store.heldMessages.list(query);
  }

  async get(id: string): Promise<HeldMessage> {
    const held = await this.store.heldMessages.get(id);
    if (!held) throw new MoatError("held_not_found", `no held message with id ${id}`);
    return held;
  }

  /** A user may decide only holds that name them; an admin any. */
  private async claim(id: string, actor: Actor, status: "approved" | "rejected", note: string): Promise<HeldMessage> {
    const held = await this.get(id);
    if (actor.kind === "user" && !held.deciders.includes(actor.address as Address)) throw new MoatError("held_not_found", `no held message with id ${id} for ${actor.address}`);
    if (held.status !== "held") throw new MoatError("invalid_input", `${id} was already ${held.status}${held.decidedBy ? ` by ${held.decidedBy}` : ""}`);
    const claimed = await this.store.heldMessages.decide(id, status, actor.kind === "user" ? actor.address : actorName(actor), this.clock.now(), note);
    if (!claimed) throw new MoatError("invalid_input", `${id} was decided by someone else just now`);
    return claimed;
  }

  /** Releases the message through the rest of the pipeline; returns where it went. */
  async approve(id: string, actor: Actor): Promise<{ held: HeldMessage; verdict: Verdict }> {
    const held = await this.claim(id, actor, "approved", "");
    const body = await this.mailstore.read(held.bodyHash);
    if (!body) throw new MoatError("internal", `the body of ${id} is missing`);
    const verdict = await this.flow.release(held, body);
    await this.releaseBody(held);
    return { held, verdict };
  }

  /** Drops the message; the sender (when there is one) is told why. */
  async reject(id: string, actor: Actor, reason: string): Promise<HeldMessage> {
    const note = reason.trim().slice(0, 500) || "not approved";
    const held = await this.claim(id, actor, "rejected", note);
    await this.tellSender(held, note);
    await this.releaseBody(held);
    return held;
  }

  /** Holds past their time: each follows its timeout action. Returns how many were decided. */
  async expireDue(): Promise<number> {
    let done = 0;
    for (const held of await this.store.heldMessages.expired(this.clock.now(), 100)) {
      try {
        if (held.timeoutAction === "release") await this.approve(held.id, timeoutActor);
        else await this.reject(held.id, timeoutActor, `nobody approved it within the time allowed (${held.rule})`);
        done++;
      } catch (err) {
        this.logger?.warn({ err, held: held.id }, "a held message's timeout failed");
      }
    }
    return done;
  }

  private async tellSender(held: HeldMessage, reason: string): Promise<void> {
    if (held.mailFrom === null) return;
    const lines = [
      `Your message was not delivered to ${held.recipients.join(", ")}.`,
      "",
      `Subject: ${held.subject}`,
      `Reason:  ${reason}`,
      "",
      held.kind === "moderation" ? "The list's moderators did not approve it." : "Your organisation requires approval before this mail is sent, and it was not approved.",
    ];
    const from = parseAddress(held.recipients[0] ?? "");
    const fromDomain = held.origin.kind === "submission" ? domainOf(held.origin.user) : from.ok ? domainOf(from.value) : this.hostname;
    const message = noticeMessage({ fromDomain, to: held.mailFrom, subject: `Not delivered: ${held.subject || "(no subject)"}`, lines, kind: "rejected" }, this.clock.now(), this.hostname);
    // Null reverse-path: a notice about a notice never loops.
    const verdict = await this.flow.process({ kind: "system", purpose: "notice" }, { mailFrom: null, recipients: [held.mailFrom], smtpUtf8: true, body: "8BITMIME" }, message);
    if (verdict.kind !== "accept") this.logger?.warn({ held: held.id, verdict }, "could not tell the sender of a rejected held message");
  }

  /** The hold no longer keeps its body; delivered copies (or another hold) still may. */
  private async releaseBody(held: HeldMessage): Promise<void> {
    await this.store.transaction((tx) => tx.messageState.releaseBodies([held.bodyHash]));
  }
}
