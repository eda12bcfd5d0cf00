// The admin audit log: every change an admin (or a user, for their own account) makes to a
// security setting is written here with who, what, the value before and after, and when.
// Services call record() in the same place they write the change, so no path skips it.
import type { Clock } from "../ports/clock.js";
import type { AuditEntry } from "../ports/login-security.js";
import type { Store } from "../ports/store.js";

/** Who made a change. The CLI is an admin named after the OS user running it. */
export type Actor = { readonly kind: "admin"; readonly name: string } | { readonly kind: "user"; readonly userId: number; readonly address: string };

export const actorName = (actor: Actor): string => (actor.kind === "admin" ? actor.name : `user:${actor.address}`);

export interface AuditChange {
  readonly action: string;
  readonly target: string;
  /** Null for a creation. */
  readonly before: unknown;
  /** Null for a removal. */
  readonly after: unknown;
}

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** `tx`: the transaction that makes the change, so the change and its entry commit together. */
  record(actor: Actor, change: AuditChange, tx: Pick<Store, "audit"> = this.store): Promise<AuditEntry> {
    return tx.audit.append({ at: this.clock.now(), actor: actorName(actor), ...change });
  }

  list(query: { limit: number; beforeId?: number | undefined; target?: string | undefined }): Promise<AuditEntry[]> {
    return this.store.audit.list(query);
  }
}
