// Reading and acknowledging abnormal-login events (issue 8 items 2 and 3). The detector
// raises them and the notifier mails them; this is what people do with them afterwards. The
// scopes are those of login records (decision 0024): the operator at the command line reaches
// any account or domain; a user reads their own; a domain admin reads and acknowledges their
// domain's events only (another domain's read as not found); an install admin any domain's.
// Every acknowledgement is an entry of the admin audit log, written with it.
import type { AccountService } from "../../accounts/service.js";
import { userActor } from "../../auth/web-sessions.js";
import type { Clock } from "../../ports/clock.js";
import type { LoginEvent, LoginEventQuery } from "../../ports/login-events.js";
import type { Store } from "../../ports/store.js";
import { accountOrName, adminScope } from "../admin-scope.js";
import { actorName, type Actor, type AuditLog } from "../audit.js";
import { maxLoginLimit } from "../login-filter.js";
import { parseLoginEventFilter, type LoginEventFilter, type LoginEventFilterText } from "./event-filter.js";

/** An event with its domain's name (null: none of ours, or the domain is gone). */
export type ListedLoginEvent = LoginEvent & { readonly domain: string | null };

/** Whom the operator asks about: an account (or a name that is none) and/or a domain. */
export interface LoginEventSubject {
  readonly address?: string | undefined;
  readonly domain?: string | undefined;
}

type Query = { -readonly [K in keyof LoginEventQuery]: LoginEventQuery[K] };

export class LoginEventService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
  ) {}

  /** The filters as typed (CLI flags, query parameters), read on this service's clock ("24h" back from now). */
  filter(text: LoginEventFilterText, flag = ""): LoginEventFilter {
    return parseLoginEventFilter(text, this.clock.now(), flag);
  }

  /** Newest first; the operator's view (`moat login-events`). */
  async list(opts: LoginEventFilter & LoginEventSubject): Promise<ListedLoginEvent[]> {
    const { address, domain, ...filter } = opts;
    return this.named(await this.store.loginEvents.list({ ...filter, ...(await this.subject({ address, domain })) }));
  }

  /** A user's own events (the security centre's "unusual sign-ins"). */
  async listForUser(userId: number, filter: LoginEventFilter): Promise<ListedLoginEvent[]> {
    return this.named(await this.store.loginEvents.list({ ...filter, userId }));
  }

  /** An administrator's view, scoped as in admin-scope.ts. */
  async listForDomain(viewerId: number, domain: string | undefined, filter: LoginEventFilter): Promise<ListedLoginEvent[]> {
    const scope = await adminScope(this.store, viewerId, domain);
    return this.named(await this.store.loginEvents.list(scope.domain === "all" ? filter : { ...filter, domainIds: [scope.domain.id] }));
  }

  /** The operator acknowledges any events by id; returns how many were open (and now are not). */
  acknowledge(ids: readonly number[], actor: Actor): Promise<number> {
    return this.acknowledgeIn(ids, actor, () => true);
  }

  /**
   * An administrator acknowledges events of their scope (a domain admin: their domain's; an
   * install admin: the domain named, or any). Ids outside it count as not found: the answer is
   * the same as for an id that does not exist.
   */
  async acknowledgeForDomain(viewerId: number, ids: readonly number[], domain?: string): Promise<number> {
    const scope = await adminScope(this.store, viewerId, domain);
    const within = scope.domain;
    return this.acknowledgeIn(ids, userActor(scope.viewer), (e) => within === "all" || e.domainId === within.id);
  }

  /** Every open event of the operator's subject (`moat login-events ack --all [--domain D] [--address A]`). */
  async acknowledgeAll(subject: LoginEventSubject, actor: Actor): Promise<number> {
    const query: Query = { ...(await this.subject(subject)), state: "open", limit: maxLoginLimit };
    let total = 0;
    for (;;) {
      const page = await this.store.loginEvents.list(query);
      if (page.length === 0) return total;
      total += await this.acknowledgeIn(page.map((e) => e.id), actor, () => true);
      query.beforeId = page.at(-1)!.id;
    }
  }

  /** One transaction: each open event in scope is acknowledged and audited together, or none is. */
  private acknowledgeIn(ids: readonly number[], actor: Actor, inScope: (e: LoginEvent) => boolean): Promise<number> {
    const by = actorName(actor);
    const at = this.clock.now();
    return this.store.transaction(async (tx) => {
      let count = 0;
      for (const id of new Set(ids)) {
        const event = await tx.loginEvents.get(id);
        if (!event || event.state !== "open" || !inScope(event)) continue;
        // Zero when another admin acknowledged it meanwhile: not counted, not audited twice.
        if ((await tx.loginEvents.acknowledge([id], by, at)) === 0) continue;
        const fields = { event: id, rule: event.rule, severity: event.severity };
        // Under the account's address (or the client address of a burst), as `moat audit list --target` finds it.
        const target = event.identity ?? event.ip ?? `login event ${id}`;
        await this.audit.record(actor, { action: "login_event.acknowledge", target, before: { ...fields, state: "open" }, after: { ...fields, state: "acknowledged" } }, tx);
        count++;
      }
      return count;
    });
  }

  /**
   * An address that is an account means its events; one that is not means events about that
   * name (bursts against names that do not exist). A domain means events its admins see.
   */
  private async subject({ address, domain }: LoginEventSubject): Promise<Pick<Query, "userId" | "identity" | "domainIds">> {
    return {
      ...(address === undefined ? {} : await accountOrName(this.store, address)),
      ...(domain === undefined ? {} : { domainIds: [(await this.accounts.getDomain(domain)).id] }),
    };
  }

  private async named(events: LoginEvent[]): Promise<ListedLoginEvent[]> {
    const names = new Map<number, string | null>();
    for (const id of new Set(events.map((e) => e.domainId))) {
      if (id !== null) names.set(id, (await this.store.domains.findById(id))?.name ?? null);
    }
    return events.map((e) => ({ ...e, domain: e.domainId === null ? null : (names.get(e.domainId) ?? null) }));
  }
}
