// The delivery plan (DESIGN.md "Mail flow", stages 5–9): after the recipients are expanded,
// each local recipient's copy and each remote recipient is an entry that the later stages
// change — an admin rule tags or drops it, the external-mail warning marks it, the user's
// Sieve script files it or forwards it — before one transaction stores them all. A stage
// never writes mail itself; it edits the plan, and things that must wait until the message
// is safely stored (notices, auto-replies) go into `after`.
import type { Address } from "../../mail/address.js";
import type { User } from "../accounts/types.js";

/** A change to one recipient's copy. The original bytes stay below the header unless a banner is asked for. */
export type CopyEdit =
  /** Header field(s), CRLF-terminated and folded, put on top of the message. */
  | { readonly kind: "header"; readonly field: string }
  /** A tag such as "[External]" put in front of the Subject, once. */
  | { readonly kind: "subject_tag"; readonly tag: string }
  /** A notice inserted at the top of the text and HTML bodies, keeping the MIME structure. */
  | { readonly kind: "banner"; readonly text: string };

/** A folder of the recipient: the Inbox, a special-use folder, or one named by a rule. */
export type FolderRef =
  | { readonly kind: "inbox" }
  | { readonly kind: "special"; readonly use: "\\Junk" }
  /** A folder by name; when it does not exist it is created if `create`, else the copy goes to the Inbox. */
  | { readonly kind: "named"; readonly name: string; readonly create: boolean };

/** One stored message: Sieve's fileinto plus keep makes two placements of the same copy. */
export interface Placement {
  readonly folder: FolderRef;
  readonly flags: readonly string[];
}

export interface LocalCopy {
  readonly user: User;
  edits: CopyEdit[];
  /** Empty: nothing is stored for this recipient (deleted by a rule, discarded by Sieve). */
  placements: Placement[];
}

export interface RemoteCopy {
  readonly address: Address;
  edits: CopyEdit[];
  /** The envelope sender for this recipient: the original's, or the forwarding account's for a redirect. */
  readonly mailFrom: Address | null;
}

export interface DeliveryPlan {
  local: LocalCopy[];
  remote: RemoteCopy[];
  /** Run in order after the delivery committed; a failure is logged, the message stays delivered. */
  readonly after: Array<() => Promise<void>>;
}

export const inbox: Placement = { folder: { kind: "inbox" }, flags: [] };
export const junk: Placement = { folder: { kind: "special", use: "\\Junk" }, flags: [] };

/** Copies with equal keys are stored as one body. */
export function editsKey(edits: readonly CopyEdit[]): string {
  return edits.length === 0 ? "" : JSON.stringify(edits);
}
