// Client security passwords (issue 6, item 1): created by the server and shown once, listed
// with their last use, deleted one at a time or all at once when the main password changes;
// deleting one ends the live sessions it opened. Decision 0010.
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { Clock } from "../ports/clock.js";
import type { AppPassword } from "../ports/login-security.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import type { LiveSessions } from "../security/live-sessions.js";
import type { PasswordHasher } from "./passwords.js";
import { formatAppPassword, generateAppPassword, hashAppPassword, type AppPasswordKeySource } from "./app-password-secret.js";
import { domainLoginSettingsSchema, readSettings } from "./login-settings.js";
import { appPasswordExpired } from "./secret-check.js";
import { clientProtocols, type ClientProtocol, type SecondFactorProof } from "./types.js";

/** Google and Alibaba allow a handful per client; 20 covers every device a person has. */
export const maxAppPasswords = 20;
const maxNameLength = 100;

export interface ListedAppPassword extends AppPassword {
  /** Unused for longer than the domain's expiry: it no longer logs in. */
  readonly expired: boolean;
}

export interface CreatedAppPassword {
  readonly appPassword: AppPassword;
  /** Grouped in fours for reading; shown once, never stored. */
  readonly secret: string;
}

const describe = (p: AppPassword) => ({ name: p.name, protocols: p.protocols });

/** What creating one for oneself asks of two-factor login (TwoFactorService). */
export interface SecondFactorCheck {
  enrolled(userId: number): Promise<boolean>;
  /** True once for a right proof. */
  checkProof(userId: number, proof: SecondFactorProof): Promise<boolean>;
}

export class AppPasswordService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly key: AppPasswordKeySource,
    private readonly live: LiveSessions,
    private readonly passwords: PasswordHasher,
    /** Absent: no account is treated as having a second factor (tests of this service alone). */
    private readonly secondFactor?: SecondFactorCheck,
  ) {}

  /**
   * A user making one for themselves proves again that they hold the main password, so a
   * session left open on a shared computer cannot mint a lasting credential, and, when the
   * account has two-factor login, the second factor too (decision 0013; the options to show
   * come from TwoFactorService.proofOptions). Admins use create().
   */
  async createForSelf(
    actor: Extract<Actor, { kind: "user" }>,
    mainPassword: string,
    name: string,
    protocols: readonly ClientProtocol[],
    secondFactor?: SecondFactorProof,
  ): Promise<CreatedAppPassword> {
    const user = await this.accounts.getUser(actor.address);
    if (user.id !== actor.userId || !(await this.passwords.verify(user.passwordHash, mainPassword))) {
      throw new MoatError("invalid_password", "the account password is not right");
    }
    if (this.secondFactor && (await this.secondFactor.enrolled(user.id))) {
      if (secondFactor === undefined) throw new MoatError("invalid_second_factor", "this account has two-factor login: the second factor is needed too");
      if (!(await this.secondFactor.checkProof(user.id, secondFactor))) throw new MoatError("invalid_second_factor", "the second factor is not right or was already used");
    }
    return this.create(user.address, name, protocols, actor);
  }

  /** `protocols` empty: IMAP, POP3 and SMTP. */
  async create(address: string, name: string, protocols: readonly ClientProtocol[], actor: Actor): Promise<CreatedAppPassword> {
    const user = await this.accounts.getUser(address);
    const label = name.trim();
    if (label === "" || label.length > maxNameLength || /\p{Cc}/u.test(label)) {
      throw new MoatError("invalid_input", `the name must be 1 to ${maxNameLength} printable characters`);
    }
    const unknown = protocols.find((p) => !clientProtocols.includes(p));
    if (unknown !== undefined) throw new MoatError("invalid_input", `unknown protocol ${JSON.stringify(unknown)} (use imap, pop3, smtp)`);
    const secret = generateAppPassword();
    const key = this.key();
    const appPassword = await this.store.transaction(async (tx) => {
      // Counted inside the transaction so two concurrent creations cannot both pass the limit on SQLite.
      if ((await tx.appPasswords.listForUser(user.id)).length >= maxAppPasswords) {
        throw new MoatError("invalid_input", `${user.address} already has ${maxAppPasswords} client security passwords; delete one first`);
      }
      const created = await tx.appPasswords.create({
        userId: user.id,
        name: label,
        protocols: [...new Set(protocols)],
        hash: hashAppPassword(key, secret),
        keyId: key.id,
        createdAt: this.clock.now(),
      });
      await this.audit.record(actor, { action: "apppass.add", target: user.address, before: null, after: describe(created) }, tx);
      return created;
    });
    return { appPassword, secret: formatAppPassword(secret) };
  }

  async list(address: string): Promise<ListedAppPassword[]> {
    const user = await this.accounts.getUser(address);
    const domain = readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(user.domainId));
    const now = this.clock.now();
    return (await this.store.appPasswords.listForUser(user.id)).map(({ hash: _h, keyId: _k, ...p }) => ({
      ...p,
      expired: appPasswordExpired(p, domain.appPasswordExpiryDays, now),
    }));
  }

  /** Deletes one and ends the live sessions that logged in with it; returns how many ended. */
  async remove(address: string, name: string, actor: Actor): Promise<{ sessionsEnded: number }> {
    const user = await this.accounts.getUser(address);
    const removed = await this.store.transaction(async (tx) => {
      const row = await tx.appPasswords.remove(user.id, name);
      if (!row) throw new MoatError("invalid_input", `${user.address} has no client security password named ${JSON.stringify(name)}`);
      await this.audit.record(actor, { action: "apppass.remove", target: user.address, before: describe(row), after: null }, tx);
      return row;
    });
    return { sessionsEnded: this.live.endAppPasswords(user.id, [removed.id]) };
  }

  /**
   * Ends the sessions of client security passwords that no longer exist: those deleted by
   * another process (the `moat` command) or another node. The server runs this periodically.
   */
  async sweepRevoked(): Promise<number> {
    const live = this.live.appPasswordIds();
    if (live.length === 0) return 0;
    const existing = new Set(await this.store.appPasswords.existingIds(live));
    return this.live.endAppPasswords(null, live.filter((id) => !existing.has(id)));
  }
}
