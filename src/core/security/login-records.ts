// Reading and pruning login records. Writing them is authenticate()'s job alone.
import { parseAddress } from "../../mail/address.js";
import { MoatError } from "../../shared/errors.js";
import type { Clock } from "../ports/clock.js";
import type { LoginRecordQuery, Store } from "../ports/store.js";
import type { LoginRecord } from "../auth/types.js";

const day = 86_400_000;

export class LoginRecordService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  /**
   * Newest first. For an address, the records of that account plus attempts that named it
   * but did not match an account (the attempted name is kept as given).
   */
  async list(opts: { address?: string | undefined; limit: number; beforeId?: number | undefined }): Promise<LoginRecord[]> {
    const query: { -readonly [K in keyof LoginRecordQuery]: LoginRecordQuery[K] } = { limit: opts.limit };
    if (opts.beforeId !== undefined) query.beforeId = opts.beforeId;
    if (opts.address !== undefined) {
      const parsed = parseAddress(opts.address);
      if (!parsed.ok) throw new MoatError("invalid_address", parsed.error);
      const user = await this.store.users.findByAddress(parsed.value);
      if (user) query.userId = user.id;
      else query.identity = parsed.value;
    }
    return this.store.loginRecords.list(query);
  }

  /** Deletes records past the retention period; returns how many. */
  prune(): Promise<number> {
    return this.store.loginRecords.prune(this.clock.now() - this.retentionDays * day);
  }
}
