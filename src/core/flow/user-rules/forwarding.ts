// The plain per-account forward setting (issue 7 item 6) and the log of forwarding attempts.
// The setting lives with the account's mail-flow settings (forwardTo, forwardKeep); setting it
// here adds the forwarding ban's save-time check (forwarding-ban.ts) before the flow settings
// service validates, writes and audits it.
import { parseAddress, parseDomain, type Address } from "../../../mail/address.js";
import { MoatError } from "../../../shared/errors.js";
import type { AccountService } from "../../accounts/service.js";
import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { ForwardingAttempt, ForwardingAttemptQuery } from "../../ports/user-rules.js";
import type { Actor } from "../../security/audit.js";
import { readCompany } from "../company.js";
import type { AccountFlowSettings } from "../flow-settings.js";
import type { FlowSettingsService } from "../flow-settings-service.js";
import { attemptOf, autoForwardOn, outsideCompany, refusalText } from "./forwarding-ban.js";

export const forwardSettingRule = "forward setting";

export class Forwarding {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly flowSettings: FlowSettingsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Sets where the account's mail is forwarded ([] stops forwarding) and whether a copy stays.
   * Refused, and logged, when a target is outside the company and the account may not forward.
   */
  async setForward(address: string, change: { forwardTo?: readonly string[]; forwardKeep?: boolean }, actor: Actor): Promise<AccountFlowSettings> {
    const user = await this.accounts.getUser(address);
    const patch: { forwardTo?: Address[]; forwardKeep?: boolean } = {};
    if (change.forwardKeep !== undefined) patch.forwardKeep = change.forwardKeep;
    if (change.forwardTo !== undefined) {
      const targets: Address[] = [];
      for (const raw of change.forwardTo) {
        const parsed = parseAddress(raw);
        if (!parsed.ok) throw new MoatError("invalid_address", `--forward: ${parsed.error}`);
        if (parsed.value === user.address) throw new MoatError("invalid_input", `${user.address} cannot forward to itself`);
        if (!targets.includes(parsed.value)) targets.push(parsed.value);
      }
      const company = await readCompany(this.store);
      const outside = targets.filter((t) => outsideCompany(company, user.address, t));
      if (outside.length > 0) {
        const at = this.clock.now();
        const allowed = await autoForwardOn(this.store, user);
        for (const target of outside) await this.store.forwardingAttempts.append(attemptOf(user, target, { at, via: "forward-setting", phase: "save", outcome: allowed ? "allowed" : "refused", rule: forwardSettingRule }));
        if (!allowed) throw new MoatError("forwarding_refused", refusalText(user, outside));
      }
      patch.forwardTo = targets;
    }
    return this.flowSettings.updateAccount(user.address, patch, actor);
  }

  /** Who tried to forward where, newest first: of a domain, or of one account. */
  attempts(query: { domain?: string | undefined; account?: string | undefined; outcome?: ForwardingAttempt["outcome"] | undefined; since?: number | undefined; limit: number }): Promise<ForwardingAttempt[]> {
    const domain = query.domain === undefined ? undefined : parseDomain(query.domain.replace(/^@/, ""));
    if (domain && !domain.ok) throw new MoatError("invalid_domain", domain.error);
    const account = query.account === undefined ? undefined : parseAddress(query.account);
    if (account && !account.ok) throw new MoatError("invalid_address", account.error);
    const q: ForwardingAttemptQuery = { ...query, domain: domain?.value, account: account?.value };
    return this.store.forwardingAttempts.list(q);
  }
}
