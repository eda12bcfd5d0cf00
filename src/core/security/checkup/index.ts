// The security checkup ("self-inspection", issue 8 item 5, decision 0025) of a domain, of one
// account, or of every domain: the gaps the guide warns about as findings with a score, and
// `fix(id)`, which closes one finding through the same services an admin's command uses (so
// the change is validated and audited as that command's would be).
import { domainOf, parseAddress } from "../../../mail/address.js";
import { MoatError } from "../../../shared/errors.js";
import type { AccountService } from "../../accounts/service.js";
import type { User } from "../../accounts/types.js";
import type { AppPasswordService } from "../../auth/app-passwords.js";
import type { LoginSettingsService } from "../../auth/login-settings-service.js";
import type { TwoFactorService } from "../../auth/two-factor/service.js";
import { clientProtocols, type ClientProtocol } from "../../auth/types.js";
import { readCompany, type Company } from "../../flow/company.js";
import type { FlowSettingsService } from "../../flow/flow-settings-service.js";
import type { Forwarding } from "../../flow/user-rules/forwarding.js";
import type { SieveScripts } from "../../flow/user-rules/sieve-scripts.js";
import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { Actor } from "../audit.js";
import { temporaryPassword } from "../account-secure/temporary-password.js";
import { accountFindings } from "./account-checks.js";
import { bySeverity, checkupScore, type CheckupFinding } from "./findings.js";

export interface CheckupDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly accounts: AccountService;
  readonly loginSettings: LoginSettingsService;
  readonly twoFactor: TwoFactorService;
  readonly appPasswords: AppPasswordService;
  readonly flowSettings: FlowSettingsService;
  readonly forwarding: Forwarding;
  readonly sieve: SieveScripts;
}

export interface CheckupReport {
  /** The domain, the account, or null for every domain. */
  readonly target: string | null;
  readonly accounts: number;
  readonly score: number;
  readonly findings: readonly CheckupFinding[];
}

export interface FixResult {
  readonly id: string;
  /** What changed, as a sentence. */
  readonly changed: string;
  /** Set when the fix made a temporary password (shown once). */
  readonly temporaryPassword?: string;
}

const isAddress = (target: string) => target.includes("@");

export class SecurityCheckup {
  constructor(private readonly deps: CheckupDeps) {}

  async run(target?: string): Promise<CheckupReport> {
    const company = await readCompany(this.deps.store);
    const findings: CheckupFinding[] = [];
    let accounts = 0;
    if (target !== undefined && isAddress(target)) {
      findings.push(...(await this.account(await this.deps.accounts.getUser(target), company)));
      accounts = 1;
    } else {
      const domains = target === undefined ? await this.deps.accounts.listDomains() : [await this.deps.accounts.getDomain(target)];
      for (const domain of domains) {
        findings.push(...(await this.domain(domain.name)));
        for (const user of await this.deps.accounts.listUsers(domain.name)) {
          findings.push(...(await this.account(user, company)));
          accounts++;
        }
      }
    }
    findings.sort(bySeverity);
    return { target: target ?? null, accounts, score: checkupScore(findings), findings };
  }

  /** Closes one finding, found again by its id (so a stale id is refused, not guessed at). */
  async fix(id: string, actor: Actor): Promise<FixResult> {
    const subject = id.split(":")[1] ?? "";
    if (subject === "" || (isAddress(subject) && !parseAddress(subject).ok)) throw new MoatError("invalid_input", `'${id}' is not a checkup finding id`);
    const { findings } = await this.run(subject);
    const finding = findings.find((f) => f.id === id);
    if (!finding) throw new MoatError("invalid_input", `no finding ${id} (already fixed?)`);
    return { id, ...(await this.apply(finding, actor)) };
  }

  private async apply(f: CheckupFinding, actor: Actor): Promise<Omit<FixResult, "id">> {
    const d = this.deps;
    switch (f.kind) {
      case "no-2fa": {
        const { settings } = await d.loginSettings.forDomain(domainOf(f.subject as never));
        const accounts = settings.twoFactorRequired === "listed" ? [...settings.twoFactorAccounts, f.subject] : [f.subject];
        const after = await d.twoFactor.setRequirement(domainOf(f.subject as never), { required: "listed", accounts }, actor);
        return { changed: `two-factor login is now required of ${f.subject} (${after.twoFactorGraceDays} days to enrol)` };
      }
      case "unused-protocol": {
        const protocol = f.id.split(":")[2] as ClientProtocol;
        await d.loginSettings.updateAccount(f.subject, { [protocol]: false }, actor);
        return { changed: `${protocol.toUpperCase()} turned off for ${f.subject}` };
      }
      case "main-password-protocols":
        await d.loginSettings.updateAccount(f.subject, { securityPasswordRequired: true }, actor);
        return { changed: `client security passwords are now required of ${f.subject} over IMAP/POP3/SMTP` };
      case "password-age": {
        const password = temporaryPassword();
        await d.accounts.setPassword(f.subject, password, actor, { temporary: true });
        return { changed: `a temporary password was set for ${f.subject}; the user must change it at the next web login`, temporaryPassword: password };
      }
      case "stale-app-password": {
        const name = f.id.split(":").slice(2).join(":");
        await d.appPasswords.remove(f.subject, name, actor);
        return { changed: `client security password "${name}" of ${f.subject} removed` };
      }
      case "forward-outside":
        await d.forwarding.setForward(f.subject, { forwardTo: [] }, actor);
        return { changed: `forwarding of ${f.subject} stopped` };
      case "sieve-forward-outside":
        await d.sieve.deactivate(f.subject, actor);
        return { changed: `the Sieve script of ${f.subject} deactivated` };
      case "no-password-policy":
        await d.loginSettings.updateDomain(f.subject, { passwordPolicy: "on" }, actor);
        return { changed: `the password policy of ${f.subject} is now enforced` };
      case "external-warning-off":
        await d.flowSettings.updateDomain(f.subject, { externalWarning: "general" }, actor);
        return { changed: `mail from outside ${f.subject}'s company is now marked (general warning)` };
    }
  }

  private async domain(name: string): Promise<CheckupFinding[]> {
    const { settings } = await this.deps.loginSettings.forDomain(name);
    const flow = await this.deps.flowSettings.forDomain(name);
    const out: CheckupFinding[] = [];
    if (settings.passwordPolicy === "off") {
      out.push({ id: `no-password-policy:${name}`, kind: "no-password-policy", severity: "medium", subject: name, sentence: `${name} enforces no password policy: weak and reused passwords are accepted`, fix: `moat password-policy set ${name} enforce=on` });
    }
    if (flow.externalWarning === "off") {
      out.push({ id: `external-warning-off:${name}`, kind: "external-warning-off", severity: "medium", subject: name, sentence: `${name} does not mark mail from outside the company: impersonation of colleagues is harder to spot`, fix: `moat domain set ${name} external-warning=general` });
    }
    return out;
  }

  private async account(user: User, company: Company): Promise<CheckupFinding[]> {
    const { store, clock } = this.deps;
    const lastSuccess = {} as Record<ClientProtocol, number | null>;
    for (const p of clientProtocols) lastSuccess[p] = (await store.loginRecords.list({ userId: user.id, channel: p, result: "success", limit: 1 }))[0]?.at ?? null;
    const [rules] = await store.sieveScripts.rulesFor([user.id]);
    const status = await this.deps.twoFactor.status(user.address);
    return accountFindings({
      user,
      now: clock.now(),
      domain: (await this.deps.loginSettings.forDomain(domainOf(user.address))).settings,
      rules: await this.deps.loginSettings.effective(user.address),
      twoFactor: { enabled: status.enabled, required: status.required },
      lastSuccess,
      appPasswords: await store.appPasswords.listForUser(user.id),
      flow: (await this.deps.flowSettings.forAccount(user.address)).own,
      activeScript: rules?.script?.content ?? null,
      company,
    });
  }
}
