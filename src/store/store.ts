// Assembles the Store port from the repositories, once for both dialects.
import type { Kysely } from "kysely";
import type { Store } from "../core/ports/store.js";
import type { TransactionGuard } from "./guard.js";
import { aliasRepository } from "./repositories/aliases.js";
import { dkimKeyRepository } from "./repositories/dkim-keys.js";
import { domainRepository } from "./repositories/domains.js";
import { groupRepository } from "./repositories/groups.js";
import { loginRecordRepository } from "./repositories/login-records.js";
import { mailboxRepository } from "./repositories/mailboxes.js";
import { messageRepository } from "./repositories/messages.js";
import { outboundRepository } from "./repositories/outbound.js";
import { quotaRepository } from "./repositories/quota.js";
import { throttleRepository } from "./repositories/throttle.js";
import { userRepository } from "./repositories/users.js";
import type { Database, SqlDialect } from "./schema.js";

export type Repositories = Omit<Store, "transaction" | "close">;

/** Every repository bound to one Kysely instance: the pool, or one transaction. */
function repositories(db: Kysely<Database>, dialect: SqlDialect): Repositories {
  return {
    dialect,
    domains: domainRepository(db),
    users: userRepository(db),
    aliases: aliasRepository(db),
    groups: groupRepository(db),
    loginRecords: loginRecordRepository(db),
    throttle: throttleRepository(db),
    mailboxes: mailboxRepository(db),
    messages: messageRepository(db),
    quota: quotaRepository(db),
    outbound: outboundRepository(db, dialect),
    dkimKeys: dkimKeyRepository(db),
  };
}

export function createStore(db: Kysely<Database>, dialect: SqlDialect, guard: TransactionGuard): Store {
  let closed: Promise<void> | undefined;
  return {
    ...repositories(db, dialect),

    // Kysely commits when fn resolves and rolls back when it throws. On SQLite the one
    // connection is held until then, so other transactions and queries wait their turn (Kysely
    // queues them) instead of running inside this one; keep transactions short.
    transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) => guard.inside(() => fn(repositories(trx, dialect))));
    },

    // Idempotent: app shutdown and test clean-up may both close the store, and pg's
    // Pool.end() throws when called twice.
    close(): Promise<void> {
      closed ??= db.destroy();
      return closed;
    },
  };
}
