// Live protocol sessions (IMAP, POP3, SMTP) by account and by the credential they logged in
// with, so that deleting a client security password, or changing the main password, ends the
// sessions that credential opened (issue 6, item 1). In-process only: another process (the
// `moat` command) changes the store, and the server notices on its next sweep (sweepRevoked in
// app-passwords.ts), as other nodes of a cluster do.
//
// Sessions are held weakly: a protocol that never unregisters (a socket that just vanished)
// does not leak its session here, because the entry goes once the session object is garbage.
import type { Channel, UsedCredential } from "../auth/types.js";

interface Entry {
  readonly userId: number;
  readonly credential: UsedCredential;
  readonly channel: Channel;
  readonly owner: WeakRef<object>;
  readonly end: (owner: object) => void;
}

export class LiveSessions {
  private readonly entries = new Set<Entry>();
  private readonly collected = new FinalizationRegistry<Entry>((entry) => this.entries.delete(entry));

  /** Registers a live session; `end` gets `owner` back when the session must close. Returns unregister. */
  register<T extends object>(userId: number, credential: UsedCredential, channel: Channel, owner: T, end: (owner: T) => void): () => void {
    const entry: Entry = { userId, credential, channel, owner: new WeakRef(owner), end: end as (owner: object) => void };
    this.entries.add(entry);
    this.collected.register(owner, entry, entry);
    return () => this.forget(entry);
  }

  /** Ends the user's sessions whose credential matches; returns how many were ended. */
  endWhere(userId: number | null, match: (credential: UsedCredential) => boolean): number {
    let ended = 0;
    for (const entry of [...this.entries]) {
      if ((userId !== null && entry.userId !== userId) || !match(entry.credential)) continue;
      this.forget(entry);
      const owner = entry.owner.deref();
      if (owner === undefined) continue;
      entry.end(owner);
      ended++;
    }
    return ended;
  }

  /** Ends the sessions opened with any of these client security passwords. */
  endAppPasswords(userId: number | null, ids: readonly number[]): number {
    const gone = new Set(ids);
    return this.endWhere(userId, (c) => c.kind === "app_password" && gone.has(c.id));
  }

  /** The client security passwords live sessions logged in with. */
  appPasswordIds(): number[] {
    const ids = new Set<number>();
    for (const { credential } of this.entries) if (credential.kind === "app_password") ids.add(credential.id);
    return [...ids];
  }

  get size(): number {
    return this.entries.size;
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry);
    this.collected.unregister(entry);
  }
}
