// Opening a user's POP3 maildrop after a successful login: the domain's POP3 settings say
// which folder and whether DELE removes or only marks; the lock makes the maildrop exclusive.
import { MoatError } from "../../shared/errors.js";
import { hasFlag } from "../mailstore/names.js";
import type { MailboxOperations } from "../mailstore/operations.js";
import type { Store } from "../ports/store.js";
import type { MaildropLocks } from "./lock.js";
import { downloadedKeyword, Maildrop } from "./maildrop.js";

export type OpenResult =
  | { readonly kind: "ok"; readonly maildrop: Maildrop }
  /** Another session holds the maildrop: [IN-USE] (RFC 2449 §8.1.2). */
  | { readonly kind: "in_use" }
  /** The domain's POP3 folder does not exist for this user. */
  | { readonly kind: "no_folder" };

export class MaildropService {
  constructor(
    private readonly store: Pick<Store, "users" | "pop3Settings">,
    private readonly mailboxes: MailboxOperations,
    private readonly locks: MaildropLocks,
  ) {}

  async open(userId: number): Promise<OpenResult> {
    const user = await this.store.users.findById(userId);
    if (!user) throw new MoatError("user_not_found");
    const settings = await this.store.pop3Settings.get(user.domainId);
    let box;
    try {
      box = await this.mailboxes.get(userId, settings.folder);
    } catch (err) {
      if (err instanceof MoatError && err.code === "mailbox_not_found") return { kind: "no_folder" };
      throw err;
    }
    const release = this.locks.tryAcquire(`mailbox:${box.id}`);
    if (release === null) return { kind: "in_use" };
    try {
      // The folder's messages as of the row just read (the shared snapshot: no query when
      // nothing changed since the last session). Read-only: POP3 does not take \Recent from an
      // IMAP session (RFC 3501 §2.3.2).
      const snapshot = await this.mailboxes.snapshots.get(box);
      // A message downloaded in leave-on-server mode stays in the folder but not in the maildrop.
      const messages = snapshot.keywords.has(downloadedKeyword.toLowerCase()) ? snapshot.messages.filter((m) => !hasFlag(m.flags, downloadedKeyword)) : snapshot.messages;
      const source = { userId, folder: box.name, uidValidity: box.uidValidity, leaveOnServer: settings.leaveOnServer, messages };
      return { kind: "ok", maildrop: new Maildrop(source, this.mailboxes, release) };
    } catch (err) {
      release();
      throw err;
    }
  }
}
