// What POP3's maildrop needs from persistence beyond the mailbox store: the per-domain
// settings (migration 0005).

export interface Pop3Settings {
  /** DELE then QUIT marks the message as downloaded instead of removing it (decision 0009). */
  readonly leaveOnServer: boolean;
  /** The mailbox POP3 shows, by its stored name. */
  readonly folder: string;
}

export const defaultPop3Settings: Pop3Settings = { leaveOnServer: false, folder: "INBOX" };

export interface Pop3SettingsRepository {
  /** The domain's settings; the defaults when it never changed them. */
  get(domainId: number): Promise<Pop3Settings>;
  put(domainId: number, settings: Pop3Settings): Promise<void>;
}
