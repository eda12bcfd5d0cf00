// RFC 1939 §8: the POP3 server "acquires an exclusive-access lock on the maildrop" so two
// sessions cannot delete under each other; the second login gets [IN-USE] (RFC 2449 §8.1.2).
// The lock lives in core, not in the protocol, so any future entry to a maildrop shares it.
// This implementation holds the locks in this process: right for one node (the SQLite
// install); several nodes on PostgreSQL need a lease row or an advisory lock (decision 0009).

/** Gives up the lock; calling it twice is harmless. */
export type Release = () => void;

export interface MaildropLocks {
  /** The lock on the maildrop with this key, or null when another session holds it. */
  tryAcquire(key: string): Release | null;
}

export class InProcessMaildropLocks implements MaildropLocks {
  readonly #held = new Set<string>();

  tryAcquire(key: string): Release | null {
    if (this.#held.has(key)) return null;
    this.#held.add(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(key);
    };
  }
}
