// Reading and pruning login records. Writing them is authenticate()'s job alone.
// Three readers, three scopes (issue 8 item 1): the operator at the command line sees any
// account or domain; a user sees their own records; a domain admin sees their domain's and an
// install admin (role admin) any domain's.
import type { Logger } from "../../shared/logger.js";
import type { Clock } from "../ports/clock.js";
import type { LoginRecordQuery, Store } from "../ports/store.js";
import type { Domain } from "../accounts/types.js";
import type { LoginRecord } from "../auth/types.js";
import { accountOrName, adminScope, domainNamed } from "./admin-scope.js";
import { parseLoginFilter, type LoginFilter, type LoginFilterText } from "./login-filter.js";

const day = 86_400_000;
const hour = 3_600_000;

type Query = { -readonly [K in keyof LoginRecordQuery]: LoginRecordQuery[K] };

export class LoginRecordService {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  /**
   * Newest first; the operator's view (`moat logins`). For an address, the records of that
   * account plus attempts that named it but did not match an account (the attempted name is
   * kept as given); for a domain, every record of its accounts and of names in it.
   */
  async list(opts: LoginFilter & { address?: string | undefined; domain?: string | undefined }): Promise<LoginRecord[]> {
    const { address, domain, ...filter } = opts;
    const query: Query = { ...filter, ...(address === undefined ? {} : await accountOrName(this.store, address)) };
    if (domain !== undefined) query.domain = await this.domainScope(await domainNamed(this.store, domain));
    return this.store.loginRecords.list(query);
  }

  /** The filters as typed (CLI flags, query parameters), read on this service's clock ("24h" back from now). */
  filter(text: LoginFilterText, flag = ""): LoginFilter {
    return parseLoginFilter(text, this.clock.now(), flag);
  }

  /** A user's own records (the security centre's "recent logins"). */
  listForUser(userId: number, filter: LoginFilter): Promise<LoginRecord[]> {
    return this.store.loginRecords.list({ ...filter, userId });
  }

  /**
   * An administrator's view: a domain admin sees their own domain only (asking for another
   * reads as "no such domain", telling nothing of it); an install admin sees the domain named,
   * or every record when none is. Anyone else sees nothing (domain_not_found).
   */
  async listForDomain(viewerId: number, domain: string | undefined, filter: LoginFilter): Promise<LoginRecord[]> {
    const scope = await adminScope(this.store, viewerId, domain);
    return this.store.loginRecords.list(scope.domain === "all" ? filter : { ...filter, domain: await this.domainScope(scope.domain) });
  }

  /** Deletes records past the retention period ([login_records] retention_days); returns how many. */
  prune(): Promise<number> {
    return this.store.loginRecords.prune(this.clock.now() - this.retentionDays * day);
  }

  /** Prunes now and then hourly (`moat start` only; admin commands never prune). */
  startPruning(logger?: Logger): void {
    const run = () => void this.prune().catch((err: unknown) => logger?.warn({ err }, "login-record pruning failed"));
    if (this.timer) return;
    this.timer = setInterval(run, hour);
    this.timer.unref();
    run();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async domainScope(domain: Domain): Promise<NonNullable<LoginRecordQuery["domain"]>> {
    const users = await this.store.users.list(domain.id);
    return { name: domain.name, userIds: users.map((u) => u.id) };
  }
}
