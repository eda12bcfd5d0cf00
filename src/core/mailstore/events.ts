// Mailbox change events: how one session learns of another's changes (flags, expunges, new
// mail), so IDLE clients hear of new mail within a second of delivery (RFC 2177) and several
// sessions on one mailbox stay in step. Operations publish only after their commit, so a
// listener that reads the store sees the change. This is the port; the in-process bus below
// serves one node, and a Redis pub/sub implementation will carry the same events across
// nodes (DESIGN.md, Storage).
import type { Address } from "../../mail/address.js";
import type { MailStore, LocalTarget, PreparedBody } from "./service.js";
import type { StoredMessage } from "../ports/mailstore.js";
import type { Store, TransactionOptions } from "../ports/store.js";

export type MailboxEventKind = "exists" | "expunge" | "flags";

export interface MailboxEvent {
  readonly userId: number;
  readonly mailboxId: number;
  readonly kind: MailboxEventKind;
  /** New UIDs (exists), expunged UIDs (expunge), or the messages whose flags changed. */
  readonly uids: readonly number[];
  /** The mailbox's HIGHESTMODSEQ after the change. */
  readonly modseq: number;
}

export type MailboxListener = (event: MailboxEvent) => void;

export interface MailboxEvents {
  publish(event: MailboxEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(mailboxId: number, listener: MailboxListener): () => void;
}

/** One node's bus. Listeners run synchronously; one that throws does not stop the others. */
export class InProcessMailboxEvents implements MailboxEvents {
  readonly #listeners = new Map<number, Set<MailboxListener>>();
  /** Sets in #listeners left empty by their last listener, not yet swept. */
  #empty = 0;

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish(event: MailboxEvent): void {
    for (const listener of [...(this.#listeners.get(event.mailboxId) ?? [])]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(mailboxId: number, listener: MailboxListener): () => void {
    let set = this.#listeners.get(mailboxId);
    if (!set) this.#listeners.set(mailboxId, (set = new Set()));
    else if (set.size === 0) this.#empty--;
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size > 0) return;
      // A session that selects its mailbox again leaves and rejoins at once: its set stays
      // (deleting and adding a Map entry shrank and regrew the table on every SELECT). Sessions
      // come and go all day, so empty sets are swept once they outnumber the others.
      if (++this.#empty > Math.max(64, this.#listeners.size - this.#empty)) this.sweep();
    };
  }

  private sweep(): void {
    for (const [id, set] of this.#listeners) if (set.size === 0) this.#listeners.delete(id);
    this.#empty = 0;
  }
}

type Tx = Omit<Store, "transaction" | "close">;

/**
 * Makes SMTP delivery publish "exists" after its commit without the mail-flow pipeline
 * knowing about events: pass the returned store and mailstore to createMailFlow instead of
 * the plain ones. deliver() and deliverOver() (a monitoring copy) note what they wrote
 * against their transaction; the transaction
 * wrapper publishes those notes once the commit has succeeded (and drops them on rollback).
 * Only the signatures of deliver and deliverOver are relied on, not their internals.
 */
export function publishDeliveries(store: Store, mailstore: MailStore, events: MailboxEvents): { store: Store; mailstore: MailStore } {
  const pending = new WeakMap<Tx, MailboxEvent[]>();

  const wrappedStore: Store = {
    ...store,
    async transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const notes: MailboxEvent[] = [];
      const result = await store.transaction((tx) => {
        pending.set(tx, notes);
        return fn(tx);
      }, options);
      for (const event of notes) events.publish(event);
      return result;
    },
  };

  // A class instance: the wrapper inherits every other method through the prototype chain.
  const wrappedMailstore: MailStore = Object.create(mailstore) as MailStore;
  Object.defineProperty(wrappedMailstore, "deliver", {
    value: async (tx: Tx, body: PreparedBody, targets: readonly LocalTarget[], flags?: readonly string[]): Promise<StoredMessage[]> => {
      const stored = await mailstore.deliver(tx, body, targets, flags);
      const notes = pending.get(tx);
      for (const message of stored) {
        const userId = targets.find((t) => t.mailboxId === message.mailboxId)?.userId;
        if (notes && userId !== undefined) notes.push({ userId, mailboxId: message.mailboxId, kind: "exists", uids: [message.uid], modseq: message.modseq });
      }
      return stored;
    },
  });
  // A monitoring copy (deliverOver): the supervisor's open session hears of it like any delivery.
  Object.defineProperty(wrappedMailstore, "deliverOver", {
    value: async (tx: Tx, body: PreparedBody, bases: readonly PreparedBody[], owner: Address, folder: string): Promise<{ stored: StoredMessage; userId: number } | null> => {
      const result = await mailstore.deliverOver(tx, body, bases, owner, folder);
      if (result !== null) pending.get(tx)?.push({ userId: result.userId, mailboxId: result.stored.mailboxId, kind: "exists", uids: [result.stored.uid], modseq: result.stored.modseq });
      return result;
    },
  });
  return { store: wrappedStore, mailstore: wrappedMailstore };
}
