// The per-domain POP3 settings an admin changes (`moat domain set`): leave-on-server mode and
// the folder POP3 shows. The folder is checked as a mailbox name here, once, so every channel
// that changes it (CLI now, the admin API later) refuses the same names.
import type { AccountService } from "../accounts/service.js";
import { mailboxName } from "../mailstore/names.js";
import type { Pop3Settings } from "../ports/maildrop.js";
import type { Store } from "../ports/store.js";

export class Pop3SettingsService {
  constructor(
    private readonly store: Pick<Store, "pop3Settings">,
    private readonly accounts: Pick<AccountService, "getDomain">,
  ) {}

  async get(domain: string): Promise<Pop3Settings> {
    return this.store.pop3Settings.get((await this.accounts.getDomain(domain)).id);
  }

  /** Changes the given settings and keeps the others; returns the result. */
  async update(domain: string, change: Partial<Pop3Settings>): Promise<Pop3Settings> {
    const { id } = await this.accounts.getDomain(domain);
    const current = await this.store.pop3Settings.get(id);
    const next: Pop3Settings = {
      leaveOnServer: change.leaveOnServer ?? current.leaveOnServer,
      folder: change.folder === undefined ? current.folder : mailboxName(change.folder),
    };
    await this.store.pop3Settings.put(id, next);
    return next;
  }
}
