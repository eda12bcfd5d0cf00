// Held messages (issue 7, items 2 and 3): mail to a moderated group waits for one of its
// moderators, and mail from an audited account waits for its auditor. Each hold keeps the
// origin and envelope it arrived with, so a release resumes the pipeline where it stopped.
import type { Address } from "../../mail/address.js";
import type { EpochMs } from "../accounts/types.js";
import type { Origin } from "./types.js";

/** quarantine: an admin filter rule held it for the domain's admins (stage 5). */
export type HoldKind = "moderation" | "audit" | "quarantine";
export type HoldStatus = "held" | "approved" | "rejected";
export type TimeoutAction = "reject" | "release";

export interface HeldMessage {
  /** The queue id given to the sender in the 250 reply. */
  readonly id: string;
  readonly kind: HoldKind;
  readonly at: EpochMs;
  /** When nobody decided by then, timeoutAction is taken. */
  readonly expiresAt: EpochMs;
  readonly timeoutAction: TimeoutAction;
  readonly origin: Origin;
  readonly mailFrom: Address | null;
  /** The recipients held here (others of the same message may have gone on). */
  readonly recipients: readonly Address[];
  readonly bodyHash: string;
  readonly subject: string;
  /** The first lines of the text, for the list and the notification. */
  readonly preview: string;
  /** Why: "moderated group team@example.com", "audit of alice@example.com". */
  readonly rule: string;
  /** Who may approve or reject: the group's moderators, or the auditor. */
  readonly deciders: readonly Address[];
  readonly status: HoldStatus;
  readonly decidedAt: EpochMs | null;
  /** An address, "admin:NAME", or "timeout". */
  readonly decidedBy: string | null;
  /** The rejection reason given to the sender, or the release note. */
  readonly note: string;
}
