// Admin operations on access policies (issue 6 item 4, decision 0015): add, change, enable,
// disable, remove and list the named policies of a domain. Every change is audited with the
// policy before and after, and a change that would lock out every administrator of the domain
// from the places they last logged in from — or the administrator making it — is refused.
import type { Address } from "../../mail/address.js";
import { CidrSet } from "../../shared/ip.js";
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { Domain } from "../accounts/types.js";
import type { AccessPolicy, AccessPolicyInput, AccessPolicyMode, AccessPolicyRule } from "../ports/access-policies.js";
import type { Clock } from "../ports/clock.js";
import type { GeoIp } from "../ports/geoip.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import { actorName } from "../security/audit.js";
import { findLockout, type AdminPlace } from "./access-policy-lockout.js";
import { channels as allChannels, type Channel } from "./types.js";

/** What an admin gives for a policy; lists absent on a change keep their value. */
export interface AccessPolicyDraft {
  readonly mode?: AccessPolicyMode | undefined;
  readonly users?: readonly string[] | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly except?: readonly string[] | undefined;
  readonly ips?: readonly string[] | undefined;
  readonly countries?: readonly string[] | undefined;
  readonly channels?: readonly string[] | undefined;
  readonly enabled?: boolean | undefined;
}

/** Where the admin making a change is logged in from (the web console); the CLI has none. */
export type ActorPlace = AdminPlace;

export interface ListedAccessPolicy extends AccessPolicy {
  readonly domain: string;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
// Made when a country is first checked: ICU loads its region names for it (~20 ms at start otherwise).
let regionNames: Intl.DisplayNames | undefined;
/** Codes ICU names that are not countries GeoIP answers with (UK is GB there). */
const notCountries = new Set(["EU", "EZ", "UN", "QO", "ZZ", "UK"]);

export function checkPolicyName(name: string): string {
  const trimmed = name.trim();
  if (!namePattern.test(trimmed)) throw new MoatError("invalid_input", `${JSON.stringify(name)} is not a policy name (1-64 letters, digits, spaces, '.', '_' or '-')`);
  return trimmed;
}

export function normaliseCountry(code: string): string {
  const upper = code.trim().toUpperCase();
  const known = /^[A-Z]{2}$/.test(upper) && !notCountries.has(upper) && (regionNames ??= new Intl.DisplayNames(["en"], { type: "region" })).of(upper) !== upper;
  if (!known) throw new MoatError("invalid_input", `${JSON.stringify(code)} is not an ISO 3166-1 country code (e.g. US, DE, GB)${upper === "UK" ? "; the United Kingdom is GB" : ""}`);
  return upper;
}

function normaliseChannel(text: string): Channel {
  const channel = text.trim().toLowerCase() as Channel;
  if (!allChannels.includes(channel)) throw new MoatError("invalid_input", `${JSON.stringify(text)} is not a channel (${allChannels.join(", ")})`);
  return channel;
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/** A policy as an admin reads it (audit log, `moat access-policy list --json`): no ids. */
export const describePolicy = (p: AccessPolicy, domain: string) => ({
  domain,
  name: p.name,
  enabled: p.enabled,
  mode: p.mode,
  appliesTo: p.appliesTo,
  users: p.users,
  groups: p.groups,
  except: p.except,
  ips: p.ips,
  countries: p.countries,
  channels: p.channels,
});

export class AccessPolicyService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly geoip: GeoIp | undefined,
  ) {}

  async add(domainName: string, name: string, draft: AccessPolicyDraft, actor: Actor, from?: ActorPlace): Promise<AccessPolicy> {
    const domain = await this.accounts.getDomain(domainName);
    const policyName = checkPolicyName(name);
    if (draft.mode === undefined) throw new MoatError("invalid_input", "a policy needs a mode: allow or deny");
    const now = this.clock.now();
    const rule = await this.rule(domain, draft, undefined);
    const input: AccessPolicyInput = { domainId: domain.id, name: policyName, enabled: draft.enabled ?? true, ...rule, createdAt: now, updatedAt: now, updatedBy: actorName(actor) };
    if (input.enabled) await this.refuseLockout(domain, { ...input, id: 0 }, actor, from);
    return this.store.transaction(async (tx) => {
      const created = await tx.accessPolicies.create(input);
      await this.audit.record(actor, { action: "access_policy.add", target: `${domain.name}/${policyName}`, before: null, after: describePolicy(created, domain.name) }, tx);
      return created;
    });
  }

  /** Changes the given fields of a policy (enabled included). */
  async update(domainName: string, name: string, draft: AccessPolicyDraft, actor: Actor, from?: ActorPlace): Promise<AccessPolicy> {
    const { domain, policy } = await this.find(domainName, name);
    const rule = await this.rule(domain, draft, policy);
    const next: AccessPolicy = { ...policy, ...rule, enabled: draft.enabled ?? policy.enabled, updatedAt: this.clock.now(), updatedBy: actorName(actor) };
    // Loosening (disabling) can lock nobody out; anything else is checked as the set it makes.
    if (next.enabled) await this.refuseLockout(domain, next, actor, from);
    const action = draft.enabled !== undefined && Object.keys(draft).length === 1 ? (draft.enabled ? "access_policy.enable" : "access_policy.disable") : "access_policy.update";
    return this.store.transaction(async (tx) => {
      const { id: _id, ...input } = next;
      const saved = await tx.accessPolicies.update(policy.id, input);
      if (!saved) throw new MoatError("access_policy_not_found", `no access policy ${JSON.stringify(name)} in ${domain.name}`);
      await this.audit.record(actor, { action, target: `${domain.name}/${policy.name}`, before: describePolicy(policy, domain.name), after: describePolicy(saved, domain.name) }, tx);
      return saved;
    });
  }

  setEnabled(domainName: string, name: string, enabled: boolean, actor: Actor, from?: ActorPlace): Promise<AccessPolicy> {
    return this.update(domainName, name, { enabled }, actor, from);
  }

  async remove(domainName: string, name: string, actor: Actor): Promise<void> {
    const { domain, policy } = await this.find(domainName, name);
    await this.store.transaction(async (tx) => {
      if (!(await tx.accessPolicies.remove(policy.id))) throw new MoatError("access_policy_not_found", `no access policy ${JSON.stringify(name)} in ${domain.name}`);
      await this.audit.record(actor, { action: "access_policy.remove", target: `${domain.name}/${policy.name}`, before: describePolicy(policy, domain.name), after: null }, tx);
    });
  }

  async list(domainName?: string): Promise<ListedAccessPolicy[]> {
    const domains = domainName === undefined ? await this.accounts.listDomains() : [await this.accounts.getDomain(domainName)];
    const names = new Map(domains.map((d) => [d.id, d.name as string]));
    const policies = await this.store.accessPolicies.list(domainName === undefined ? undefined : domains[0]!.id);
    return policies.map((p) => ({ ...p, domain: names.get(p.domainId) ?? "" }));
  }

  async get(domainName: string, name: string): Promise<ListedAccessPolicy> {
    const { domain, policy } = await this.find(domainName, name);
    return { ...policy, domain: domain.name };
  }

  private async find(domainName: string, name: string): Promise<{ domain: Domain; policy: AccessPolicy }> {
    const domain = await this.accounts.getDomain(domainName);
    const policy = await this.store.accessPolicies.find(domain.id, name.trim());
    if (!policy) throw new MoatError("access_policy_not_found", `no access policy ${JSON.stringify(name)} in ${domain.name}`);
    return { domain, policy };
  }

  /** The draft over the current rule, checked and in normal form. */
  private async rule(domain: Domain, draft: AccessPolicyDraft, current: AccessPolicyRule | undefined): Promise<AccessPolicyRule> {
    const mode = draft.mode ?? current?.mode;
    if (mode !== "allow" && mode !== "deny") throw new MoatError("invalid_input", `the mode is allow or deny, not ${JSON.stringify(mode)}`);
    const users = draft.users === undefined ? (current?.users ?? []) : await this.members(domain, draft.users, "user");
    const groups = draft.groups === undefined ? (current?.groups ?? []) : await this.members(domain, draft.groups, "group");
    const except = draft.except === undefined ? (current?.except ?? []) : await this.members(domain, draft.except, "user");
    const ips = draft.ips === undefined ? (current?.ips ?? []) : unique(CidrSet.parse(draft.ips.map((s) => s.trim())).entries);
    const countries = draft.countries === undefined ? (current?.countries ?? []) : unique(draft.countries.map(normaliseCountry));
    const channels = draft.channels === undefined ? (current?.channels ?? []) : unique(draft.channels.map(normaliseChannel));
    // An allow-list that lists no place admits nobody; a deny-list that names nothing refuses everybody everywhere (that is suspension).
    if (mode === "allow" && ips.length + countries.length === 0) throw new MoatError("invalid_input", "an allow-list policy needs the places it allows: --ips and/or --countries");
    if (mode === "deny" && ips.length + countries.length + channels.length === 0) throw new MoatError("invalid_input", "a deny-list policy needs what it refuses: --ips, --countries and/or --channels");
    const listed = users.length + groups.length > 0;
    return { mode, appliesTo: listed ? "listed" : "all", users, groups, except, ips, countries, channels };
  }

  /** Canonical addresses of accounts (or groups) of this domain; an unknown one is an error. */
  private async members(domain: Domain, inputs: readonly string[], kind: "user" | "group"): Promise<Address[]> {
    const out: Address[] = [];
    for (const input of inputs) {
      const found = kind === "user" ? await this.accounts.getUser(input) : await this.accounts.getGroup(input);
      if (found.domainId !== domain.id) throw new MoatError("invalid_input", `${found.address} is not in ${domain.name}`);
      out.push(found.address);
    }
    return unique(out);
  }

  /** Throws access_policy_lockout when the domain's enabled set, with `next` in it, shuts the admins out. */
  private async refuseLockout(domain: Domain, next: AccessPolicy, actor: Actor, from: ActorPlace | undefined): Promise<void> {
    const others = (await this.store.accessPolicies.enabledFor(domain.id)).filter((p) => p.name !== next.name);
    const set = [...others, next];
    const lockout = await findLockout(this.store, this.geoip, domain, set, actor, from);
    if (lockout !== null) throw new MoatError("access_policy_lockout", `access policy ${JSON.stringify(next.name)} refused: ${lockout}`);
  }
}
