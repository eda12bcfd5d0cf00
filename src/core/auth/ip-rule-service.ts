// Admin operations on IP rules (issue 6, item 4): blocks install-wide or per domain with an
// optional expiry and note, allowlist entries per domain or account and optionally per
// channel, and the list an admin reads, automatic blocks included. Every change is audited.
import { MoatError } from "../../shared/errors.js";
import type { AccountService } from "../accounts/service.js";
import type { Clock } from "../ports/clock.js";
import type { IpRule } from "../ports/login-security.js";
import type { Store } from "../ports/store.js";
import type { Actor, AuditLog } from "../security/audit.js";
import { actorName } from "../security/audit.js";
import { normaliseCidr } from "./ip-rules.js";
import type { Channel } from "./types.js";

/** A rule with its domain and account named, for listing. */
export interface ListedIpRule extends IpRule {
  readonly domain: string | null;
  readonly user: string | null;
}

export interface AllowScope {
  readonly domain: string;
  readonly user?: string | undefined;
  readonly channel?: Channel | undefined;
}

const describe = (r: IpRule, domain: string | null, user: string | null) => ({
  action: r.action,
  cidr: r.cidr,
  domain,
  user,
  channel: r.channel,
  expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  note: r.note,
});

export class IpRuleService {
  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async block(cidrText: string, opts: { domain?: string | undefined; expiresInMs?: number | undefined; note?: string | undefined }, actor: Actor): Promise<IpRule> {
    const cidr = normaliseCidr(cidrText);
    const domain = opts.domain === undefined ? undefined : await this.accounts.getDomain(opts.domain);
    if (opts.expiresInMs !== undefined && !(opts.expiresInMs > 0)) throw new MoatError("invalid_input", "the expiry must be in the future");
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const rule = await tx.ipRules.add({
        action: "block",
        cidr,
        domainId: domain?.id ?? null,
        userId: null,
        channel: null,
        expiresAt: opts.expiresInMs === undefined ? null : now + opts.expiresInMs,
        note: (opts.note ?? "").trim(),
        origin: "admin",
        createdAt: now,
        createdBy: actorName(actor),
      });
      await this.audit.record(actor, { action: "ip.block", target: cidr, before: null, after: describe(rule, domain?.name ?? null, null) }, tx);
      return rule;
    });
  }

  /** Removes the blocks of this CIDR (the domain's only, with a domain); automatic ones included. */
  async unblock(cidrText: string, opts: { domain?: string | undefined }, actor: Actor): Promise<number> {
    const cidr = normaliseCidr(cidrText);
    const domain = opts.domain === undefined ? undefined : await this.accounts.getDomain(opts.domain);
    return this.removeAudited("block", cidr, domain ? { domainId: domain.id } : "any", actor, "ip.unblock");
  }

  async allow(cidrText: string, scope: AllowScope, actor: Actor): Promise<IpRule> {
    const cidr = normaliseCidr(cidrText);
    const { domain, user } = await this.resolve(scope);
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const rule = await tx.ipRules.add({
        action: "allow",
        cidr,
        domainId: domain.id,
        userId: user?.id ?? null,
        channel: scope.channel ?? null,
        expiresAt: null,
        note: "",
        origin: "admin",
        createdAt: now,
        createdBy: actorName(actor),
      });
      await this.audit.record(actor, { action: "ip.allow", target: cidr, before: null, after: describe(rule, domain.name, user?.address ?? null) }, tx);
      return rule;
    });
  }

  async disallow(cidrText: string, scope: AllowScope, actor: Actor): Promise<number> {
    const cidr = normaliseCidr(cidrText);
    const { domain, user } = await this.resolve(scope);
    return this.removeAudited("allow", cidr, { domainId: domain.id, userId: user?.id ?? null, channel: scope.channel ?? null }, actor, "ip.disallow");
  }

  /** Every rule in force (expired ones are pruned first). */
  async list(): Promise<ListedIpRule[]> {
    const now = this.clock.now();
    await this.store.ipRules.prune(now);
    const domains = new Map((await this.accounts.listDomains()).map((d) => [d.id, d.name as string]));
    const rules = await this.store.ipRules.list(now);
    const out: ListedIpRule[] = [];
    for (const rule of rules) {
      const user = rule.userId === null ? null : ((await this.store.users.findById(rule.userId))?.address ?? null);
      out.push({ ...rule, domain: rule.domainId === null ? null : (domains.get(rule.domainId) ?? null), user });
    }
    return out;
  }

  private async resolve(scope: AllowScope) {
    const domain = await this.accounts.getDomain(scope.domain);
    const user = scope.user === undefined ? undefined : await this.accounts.getUser(scope.user);
    if (user && user.domainId !== domain.id) throw new MoatError("invalid_input", `${user.address} is not in ${domain.name}`);
    return { domain, user };
  }

  private async removeAudited(action: IpRule["action"], cidr: string, scope: Parameters<Store["ipRules"]["remove"]>[2], actor: Actor, auditAction: string): Promise<number> {
    const domains = new Map((await this.accounts.listDomains()).map((d) => [d.id, d.name as string]));
    return this.store.transaction(async (tx) => {
      const removed = await tx.ipRules.remove(action, cidr, scope);
      if (removed.length === 0) throw new MoatError("invalid_input", `no ${action === "block" ? "block" : "allowlist entry"} for ${cidr} there`);
      const before = removed.map((r) => ({ ...describe(r, r.domainId === null ? null : (domains.get(r.domainId) ?? null), null), userId: r.userId, origin: r.origin }));
      await this.audit.record(actor, { action: auditAction, target: cidr, before, after: null }, tx);
      return removed.length;
    });
  }
}
