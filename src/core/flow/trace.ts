// The message trace (issue 7 item 9): what each stage of the pipeline decided, for which
// recipients and why, kept per message so an admin can answer "where did my mail go". A
// stage appends entries; process() writes the trace once, with the final decision.
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { Origin } from "./types.js";

/** The stages of DESIGN.md "Mail flow", in pipeline order. */
export type TraceStage = "sender" | "boundary" | "group_permissions" | "audit" | "admin_rules" | "spam" | "external_warning" | "monitoring" | "delivery";

export interface TraceEntry {
  readonly stage: TraceStage;
  /** What the stage did: let pass, refused, deferred, marked the message, delivered, queued, dropped. */
  readonly decision: "pass" | "reject" | "tempfail" | "hold" | "mark" | "deliver" | "queue" | "drop";
  /** The recipients it decided for; absent: the whole message. */
  readonly recipients?: readonly Address[];
  /** A stable code (a RefusalReason, or the stage's own). */
  readonly reason: string;
  /** The sentence an admin reads. */
  readonly text: string;
}

export interface MessageTrace {
  /** The queue id given in the 250 reply (and the Received header), or a refusal's own id. */
  readonly id: string;
  readonly at: EpochMs;
  readonly origin: Origin["kind"];
  readonly mailFrom: Address | null;
  readonly recipients: readonly Address[];
  /** Decoded enough to search: the raw header value, unfolded; empty at RCPT time. */
  readonly subject: string;
  /** The Message-ID header without angle brackets; empty when absent or at RCPT time. */
  readonly messageId: string;
  readonly size: number;
  /** held: every recipient waits for a moderator or auditor (a release writes a trace of its own). */
  readonly decision: "accepted" | "rejected" | "tempfail" | "held";
  readonly stages: readonly TraceEntry[];
}

/** Collects a message's entries as the stages run. */
export class TraceLog {
  readonly entries: TraceEntry[] = [];
  add(entry: TraceEntry): void {
    this.entries.push(entry);
  }
}
