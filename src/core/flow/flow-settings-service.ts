// Reading and changing the mail-flow settings of domains, accounts and mail groups (issue 7),
// for every admin surface (the `moat` command now, the console later), and searching the
// message trace. Each change is validated by its schema, written, and recorded in the admin
// audit log in the same transaction.
import { domainOf, parseAddress, type Address } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { EpochMs } from "../accounts/types.js";
import { mailboxName } from "../mailstore/names.js";
import type { AccountService } from "../accounts/service.js";
import type { Clock } from "../ports/clock.js";
import type { TraceQuery } from "../ports/mail-flow.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import {
  accountFlowSettingsSchema,
  domainFlowSettingsSchema,
  groupFlowSettingsSchema,
  readFlowSettings,
  type AccountFlowSettings,
  type DomainFlowSettings,
  type GroupFlowSettings,
  type MonitorRule,
} from "./flow-settings.js";
import { validated } from "../settings.js";
import type { MessageTrace } from "./trace.js";

/** A patch may clear an optional account key (back to the domain's default) with null. */
type AccountPatch = { [K in keyof AccountFlowSettings]?: AccountFlowSettings[K] | null };

export class FlowSettingsService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async forDomain(name: string): Promise<DomainFlowSettings> {
    const domain = await this.accounts.getDomain(name);
    return readFlowSettings(domainFlowSettingsSchema, await this.store.flowSettings.getDomain(domain.id));
  }

  async updateDomain(name: string, patch: Partial<DomainFlowSettings>, actor: Actor): Promise<DomainFlowSettings> {
    const domain = await this.accounts.getDomain(name);
    const before = readFlowSettings(domainFlowSettingsSchema, await this.store.flowSettings.getDomain(domain.id));
    const after = validated(() => domainFlowSettingsSchema.parse({ ...before, ...patch }));
    await this.store.transaction(async (tx) => {
      await tx.flowSettings.putDomain(domain.id, after, this.clock.now());
      await this.audit.record(actor, { action: "domain.flow_settings", target: domain.name, before, after }, tx);
    });
    return after;
  }

  async forAccount(address: string): Promise<{ own: AccountFlowSettings; effective: { internalOnly: boolean; autoForward: boolean } }> {
    const user = await this.accounts.getUser(address);
    const own = readFlowSettings(accountFlowSettingsSchema, await this.store.flowSettings.getUser(user.id));
    const domain = readFlowSettings(domainFlowSettingsSchema, await this.store.flowSettings.getDomain(user.domainId));
    return { own, effective: { internalOnly: own.internalOnly ?? domain.internalOnly, autoForward: (own.autoForward ?? true) && domain.autoForward } };
  }

  async updateAccount(address: string, patch: AccountPatch, actor: Actor): Promise<AccountFlowSettings> {
    const user = await this.accounts.getUser(address);
    const before = readFlowSettings(accountFlowSettingsSchema, await this.store.flowSettings.getUser(user.id));
    const merged: Record<string, unknown> = { ...before };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const after = validated(() => accountFlowSettingsSchema.parse(merged));
    await this.store.transaction(async (tx) => {
      await tx.flowSettings.putUser(user.id, after, this.clock.now());
      await this.audit.record(actor, { action: "user.flow_settings", target: user.address, before, after }, tx);
    });
    return after;
  }

  async forGroup(address: string): Promise<GroupFlowSettings> {
    const group = await this.accounts.getGroup(address);
    return readFlowSettings(groupFlowSettingsSchema, await this.store.flowSettings.getGroup(group.id));
  }

  async updateGroup(address: string, patch: Partial<GroupFlowSettings>, actor: Actor): Promise<GroupFlowSettings> {
    const group = await this.accounts.getGroup(address);
    // Moderators decide over the web and by mail: they must be accounts of ours.
    if (patch.moderators) patch = { ...patch, moderators: await Promise.all(patch.moderators.map(async (m) => (await this.accounts.getUser(m)).address)) };
    const before = readFlowSettings(groupFlowSettingsSchema, await this.store.flowSettings.getGroup(group.id));
    const after = validated(() => groupFlowSettingsSchema.parse({ ...before, ...patch }));
    await this.store.transaction(async (tx) => {
      await tx.flowSettings.putGroup(group.id, after, this.clock.now());
      await this.audit.record(actor, { action: "group.flow_settings", target: group.address, before, after }, tx);
    });
    return after;
  }

  /**
   * Approval before sending: mail from `target` (an account, or every member of a mail group)
   * waits for `auditor` (an account of ours). One rule per target; a new one replaces it.
   */
  async addAudit(target: string, auditor: string, actor: Actor): Promise<DomainFlowSettings> {
    const owner = await this.auditTarget(target);
    const checker = await this.accounts.getUser(auditor);
    const domain = await this.accounts.getDomain(domainOf(owner));
    const current = await this.forDomain(domain.name);
    const audits = [...current.audits.filter((a) => a.target !== owner), { target: owner, auditor: checker.address }];
    return this.updateDomain(domain.name, { audits }, actor);
  }

  async removeAudit(target: string, actor: Actor): Promise<DomainFlowSettings> {
    const owner = await this.auditTarget(target);
    const domain = await this.accounts.getDomain(domainOf(owner));
    const current = await this.forDomain(domain.name);
    if (!current.audits.some((a) => a.target === owner)) throw new MoatError("invalid_input", `${owner} is not audited`);
    return this.updateDomain(domain.name, { audits: current.audits.filter((a) => a.target !== owner) }, actor);
  }

  /**
   * Starts monitoring `target` (an account, or a group's members) for `supervisor`, from now
   * until `until` (if given). Stored with the target's domain; the audit log has it.
   */
  async addMonitor(
    input: { target: string; supervisor: string; direction: MonitorRule["direction"]; scope: MonitorRule["scope"]; name?: string | undefined; folder?: string | undefined; until?: EpochMs | undefined },
    actor: Actor,
  ): Promise<MonitorRule> {
    const target = await this.auditTarget(input.target);
    const supervisor = await this.accounts.getUser(input.supervisor);
    const domain = await this.accounts.getDomain(domainOf(target));
    const current = await this.forDomain(domain.name);
    const name = input.name ?? `monitor-${target.replace(/@.*/, "")}-${current.monitors.length + 1}`;
    if (current.monitors.some((m) => m.name === name)) throw new MoatError("invalid_input", `a monitoring rule named ${name} exists in ${domain.name}`);
    const now = this.clock.now();
    if (input.until !== undefined && input.until <= now) throw new MoatError("invalid_input", "the end date must be in the future");
    let folder: string;
    try {
      folder = mailboxName(input.folder ?? `Monitoring/${name}`);
    } catch {
      throw new MoatError("invalid_input", `'${input.folder}' is not a valid folder name`);
    }
    const rule: MonitorRule = { name, target, supervisor: supervisor.address, folder, direction: input.direction, scope: input.scope, start: now, end: input.until ?? null };
    await this.updateDomain(domain.name, { monitors: [...current.monitors, rule] }, actor);
    return rule;
  }

  /** Ends a rule now (it stays listed, ended, for the record). */
  async endMonitor(domainName: string, name: string, actor: Actor): Promise<MonitorRule> {
    const current = await this.forDomain(domainName);
    const rule = current.monitors.find((m) => m.name === name);
    if (!rule) throw new MoatError("invalid_input", `no monitoring rule named ${name} in ${domainName}`);
    const now = this.clock.now();
    if (rule.end !== null && rule.end <= now) throw new MoatError("invalid_input", `${name} has already ended`);
    const ended = { ...rule, end: now };
    await this.updateDomain(domainName, { monitors: current.monitors.map((m) => (m.name === name ? ended : m)) }, actor);
    return ended;
  }

  /** The canonical address of an account or mail group (audit targets are one or the other). */
  private async auditTarget(input: string): Promise<Address> {
    const parsed = parseAddress(input);
    if (!parsed.ok) throw new MoatError("invalid_address", `${input}: ${parsed.error}`);
    const owner = await this.store.addresses.resolve(parsed.value);
    if (owner?.kind !== "user" && owner?.kind !== "group") throw new MoatError("invalid_input", `${parsed.value} is neither an account nor a mail group of ours`);
    return parsed.value;
  }

  traces(query: TraceQuery): Promise<MessageTrace[]> {
    return this.store.messageTraces.search(query);
  }

  async trace(id: string): Promise<MessageTrace> {
    const found = await this.store.messageTraces.get(id);
    if (!found) throw new MoatError("trace_not_found", `no message trace with id ${id}`);
    return found;
  }
}
