// Reading and changing the login-security settings of domains and accounts (issue 6), for
// every admin surface (the `moat` command now, the web console later). Each change is
// validated by the one schema, canonicalised, written, and recorded in the audit log together.
import { parseAddress, type Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { Domain, User } from "../accounts/types.js";
import type { Clock } from "../ports/clock.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import { validated } from "../settings.js";
import { effectiveRules, type EffectiveLoginRules } from "./login-rules.js";
import {
  accountLoginSettingsSchema,
  domainLoginSettingsSchema,
  readSettings,
  type AccountLoginSettings,
  type DomainLoginSettings,
} from "./login-settings.js";
import { clientProtocols } from "./types.js";

const addressLists = ["thirdPartyExemptAccounts", "securityPasswordAccounts", "securityPasswordGroups", "securityPasswordExcept", "passwordMaxAgeExempt"] as const;

/** The audit log says whether a webhook secret is set, never the secret (anyone reading the log could sign alerts). */
const audited = (s: DomainLoginSettings) => ({ ...s, loginAlertWebhookSecret: s.loginAlertWebhookSecret === "" ? "" : "(set)" });

function canonical(input: string): Address {
  const parsed = parseAddress(input);
  if (!parsed.ok) throw new MoatError("invalid_address", `${input}: ${parsed.error}`);
  return parsed.value;
}

export class LoginSettingsService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** After a domain's settings changed (e.g. the password-expiry notices when a maximum age is switched on). */
    private readonly onDomainChanged?: (domain: Domain, before: DomainLoginSettings, after: DomainLoginSettings) => Promise<unknown>,
  ) {}

  async forDomain(name: string): Promise<{ domain: Domain; settings: DomainLoginSettings }> {
    const domain = await this.accounts.getDomain(name);
    return { domain, settings: readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(domain.id)) };
  }

  async forAccount(address: string): Promise<{ user: User; settings: AccountLoginSettings }> {
    const user = await this.accounts.getUser(address);
    return { user, settings: readSettings(accountLoginSettingsSchema, await this.store.loginSettings.getUser(user.id)) };
  }

  async updateDomain(name: string, patch: Partial<DomainLoginSettings>, actor: Actor): Promise<DomainLoginSettings> {
    const { domain, settings: before } = await this.forDomain(name);
    const merged: Record<string, unknown> = { ...before, ...patch };
    for (const key of addressLists) merged[key] = (merged[key] as string[]).map(canonical);
    const after = validated(() => domainLoginSettingsSchema.parse(merged));
    await this.store.transaction(async (tx) => {
      await tx.loginSettings.putDomain(domain.id, after, this.clock.now());
      await this.audit.record(actor, { action: "domain.login_settings", target: domain.name, before: audited(before), after: audited(after) }, tx);
    });
    await this.onDomainChanged?.(domain, before, after);
    return after;
  }

  /**
   * Changes an account's own settings. A user may not turn "client security password
   * required" off while the domain forces it; an admin may, but the effective rule stays on.
   */
  async updateAccount(address: string, patch: Partial<AccountLoginSettings>, actor: Actor): Promise<AccountLoginSettings> {
    const { user, settings: before } = await this.forAccount(address);
    const after = validated(() => accountLoginSettingsSchema.parse({ ...before, ...patch }));
    if (actor.kind === "user" && patch.securityPasswordRequired === false && (await this.effective(user.address)).securityPassword.forcedByDomain) {
      throw new MoatError("invalid_input", "your domain requires client security passwords; this cannot be turned off");
    }
    await this.store.transaction(async (tx) => {
      await tx.loginSettings.putUser(user.id, after, this.clock.now());
      await this.audit.record(actor, { action: "user.login_settings", target: user.address, before, after }, tx);
    });
    return after;
  }

  /** The rules that apply to the account: its settings and its domain's, the stricter winning. */
  async effective(address: string): Promise<EffectiveLoginRules> {
    const { user, settings } = await this.forAccount(address);
    const domain = readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(user.domainId));
    return effectiveRules(domain, settings, user.address, await this.store.loginSettings.groupsOfUser(user.id));
  }

  /** A new account starts with its domain's default IMAP/POP3/SMTP switches (AccountHooks.onUserAdded). */
  async applyNewAccountDefaults(user: User): Promise<void> {
    const domain = readSettings(domainLoginSettingsSchema, await this.store.loginSettings.getDomain(user.domainId));
    if (clientProtocols.every((p) => domain.newAccountProtocols.includes(p))) return; // the defaults already say so
    const settings = accountLoginSettingsSchema.parse(Object.fromEntries(clientProtocols.map((p) => [p, domain.newAccountProtocols.includes(p)])));
    await this.store.loginSettings.putUser(user.id, settings, this.clock.now());
  }
}
