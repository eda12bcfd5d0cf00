// Who an address is, and where a message to it ends up: a user's mailbox, or a remote
// address for the outbound queue. Aliases and groups expand here — once per message, with a
// depth cap and a seen-set so an alias loop or a group naming itself ends instead of spinning.
import type { Address } from "../../mail/address.js";
import type { User } from "../accounts/types.js";
import type { Store } from "../ports/store.js";

export type Resolved =
  | { readonly kind: "user"; readonly user: User; readonly inboxId: number | null }
  | { readonly kind: "alias"; readonly target: Address }
  | { readonly kind: "group"; readonly groupId: number }
  | { readonly kind: "remote" }
  | { readonly kind: "unknown" };

export async function resolveAddress(store: Omit<Store, "transaction" | "close">, address: Address): Promise<Resolved> {
  const owner = await store.addresses.resolve(address);
  if (owner === undefined) return { kind: "remote" };
  return owner.kind === "none" ? { kind: "unknown" } : owner;
}

export interface Expansion {
  /** Local users, each once. */
  readonly users: User[];
  /** Each local user's INBOX, as found with the user (absent: look it up). */
  readonly inboxes: ReadonlyMap<number, number>;
  /** Remote addresses, each once. */
  readonly remote: Address[];
  /** Addresses that led nowhere (an alias to a deleted user, say). */
  readonly dropped: Address[];
}

const maxDepth = 10;

export async function expandRecipients(store: Omit<Store, "transaction" | "close">, recipients: readonly Address[]): Promise<Expansion> {
  const users = new Map<number, User>();
  const inboxes = new Map<number, number>();
  const remote = new Set<Address>();
  const dropped: Address[] = [];
  const seen = new Set<Address>();
  let level: Address[] = [...recipients];
  for (let depth = 0; level.length > 0 && depth <= maxDepth; depth++) {
    const next: Address[] = [];
    for (const address of level) {
      if (seen.has(address)) continue;
      seen.add(address);
      const found = await resolveAddress(store, address);
      if (found.kind === "user") {
        users.set(found.user.id, found.user);
        if (found.inboxId !== null) inboxes.set(found.user.id, found.inboxId);
      }
      else if (found.kind === "remote") remote.add(address);
      else if (found.kind === "alias") next.push(found.target);
      else if (found.kind === "group") next.push(...(await store.groups.listMembers(found.groupId)).map((m) => m.address));
      else dropped.push(address);
    }
    level = next;
  }
  return { users: [...users.values()], inboxes, remote: [...remote], dropped };
}
