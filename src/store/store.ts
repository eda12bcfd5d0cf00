// Assembles the Store port from the repositories, once for both dialects.
import type { Kysely } from "kysely";
import type { Store, TransactionOptions } from "../core/ports/store.js";
import type { TransactionGuard } from "./guard.js";
import { addressRepository } from "./repositories/addresses.js";
import { aliasRepository } from "./repositories/aliases.js";
import { dkimKeyRepository } from "./repositories/dkim-keys.js";
import { domainRepository } from "./repositories/domains.js";
import { groupRepository } from "./repositories/groups.js";
import { loginRecordRepository } from "./repositories/login-records.js";
import { mailboxTreeRepository } from "./repositories/mailbox-tree.js";
import { mailboxRepository } from "./repositories/mailboxes.js";
import { messageStateRepository } from "./repositories/message-state.js";
import { messageRepository } from "./repositories/messages.js";
import { outboundRepository } from "./repositories/outbound.js";
import { pop3SettingsRepository } from "./repositories/pop3-settings.js";
import { quotaRepository } from "./repositories/quota.js";
import { throttleRepository } from "./repositories/throttle.js";
import { userRepository } from "./repositories/users.js";
import { appPasswordRepository } from "./repositories/app-passwords.js";
import { auditRepository } from "./repositories/audit.js";
import { ipRuleRepository } from "./repositories/ip-rules.js";
import { accessPolicyRepository } from "./repositories/access-policies.js";
import { loginSettingsRepository } from "./repositories/login-settings.js";
import { passwordHistoryRepository } from "./repositories/password-history.js";
import { passwordNoticeRepository } from "./repositories/password-notices.js";
import { phoneRepository } from "./repositories/phones.js";
import { smsOutboxRepository } from "./repositories/sms-outbox.js";
import { webSessionRepository } from "./repositories/web-sessions.js";
import { twoFactorRepository } from "./repositories/two-factor.js";
import { flowSettingsRepository } from "./repositories/flow-settings.js";
import { messageTraceRepository } from "./repositories/message-traces.js";
import { heldMessageRepository } from "./repositories/held-messages.js";
import { sieveScriptRepository } from "./repositories/sieve-scripts.js";
import { vacationRepository } from "./repositories/vacation-replies.js";
import { forwardingAttemptRepository } from "./repositories/forwarding-attempts.js";
import { loginEventRepository } from "./repositories/login-events.js";
import { loginProfileRepository } from "./repositories/login-profiles.js";
import type { Database, SqlDialect } from "./schema.js";
import { registerTransaction } from "./direct-sqlite.js";
import { GroupCommitter, plainCommit, postgresCommit, type CommitPath } from "./group-commit.js";

export type Repositories = Omit<Store, "transaction" | "close">;

type RepositoryKey = Exclude<keyof Repositories, "dialect">;

/** How each repository is bound to one Kysely instance: the pool, or one transaction. */
const factories: { readonly [K in RepositoryKey]: (db: Kysely<Database>, dialect: SqlDialect) => Repositories[K] } = {
  domains: domainRepository,
  users: userRepository,
  addresses: addressRepository,
  aliases: aliasRepository,
  groups: groupRepository,
  loginRecords: loginRecordRepository,
  throttle: throttleRepository,
  loginSettings: loginSettingsRepository,
  appPasswords: appPasswordRepository,
  ipRules: ipRuleRepository,
  accessPolicies: accessPolicyRepository,
  audit: auditRepository,
  passwordHistory: passwordHistoryRepository,
  phones: phoneRepository,
  smsOutbox: smsOutboxRepository,
  passwordNotices: passwordNoticeRepository,
  webSessions: webSessionRepository,
  twoFactor: twoFactorRepository,
  mailboxes: mailboxRepository,
  messages: messageRepository,
  quota: quotaRepository,
  mailboxTree: mailboxTreeRepository,
  messageState: messageStateRepository,
  outbound: outboundRepository,
  dkimKeys: dkimKeyRepository,
  pop3Settings: pop3SettingsRepository,
  flowSettings: flowSettingsRepository,
  messageTraces: messageTraceRepository,
  heldMessages: heldMessageRepository,
  sieveScripts: sieveScriptRepository,
  vacationReplies: vacationRepository,
  forwardingAttempts: forwardingAttemptRepository,
  loginEvents: loginEventRepository,
  loginProfiles: loginProfileRepository,
};
const repositoryKeys = Object.keys(factories) as RepositoryKey[];

/** Every repository bound to the pool, built at once: the store's own. */
function repositories(db: Kysely<Database>, dialect: SqlDialect): Repositories {
  const repos: Record<string, unknown> = { dialect };
  for (const key of repositoryKeys) repos[key] = factories[key](db, dialect);
  return repos as unknown as Repositories;
}

const bound = Symbol("db");
/**
 * The repositories of one transaction, each built when first used: a transaction uses a few of
 * the 34, and building all of them (closures, the two-factor devices' too) was a visible part of
 * a login's CPU (decision 0031).
 */
class TransactionRepositories {
  readonly [bound]: Kysely<Database>;
  constructor(
    db: Kysely<Database>,
    readonly dialect: SqlDialect,
  ) {
    this[bound] = db;
  }
}
for (const key of repositoryKeys) {
  Object.defineProperty(TransactionRepositories.prototype, key, {
    get(this: TransactionRepositories) {
      const value = factories[key](this[bound], this.dialect);
      Object.defineProperty(this, key, { value, enumerable: true });
      return value;
    },
  });
}
/** The repositories of transaction `trx` of the store whose own instance is `root`. */
function inTransaction(trx: Kysely<Database>, root: Kysely<Database>, dialect: SqlDialect): Repositories {
  registerTransaction(trx, root);
  return new TransactionRepositories(trx, dialect) as unknown as Repositories;
}

/** `commitPath`: how group transactions commit (group-commit.ts); SQLite passes its own. */
export function createStore(db: Kysely<Database>, dialect: SqlDialect, guard: TransactionGuard, commitPath: CommitPath = dialect === "postgres" ? postgresCommit : plainCommit): Store {
  let closed: Promise<void> | undefined;
  // SQLite has one connection: one batch in its transaction at a time (the next may run while
  // one waits for its WAL sync). PostgreSQL runs a few over its pool rather than queue every
  // delivery behind one connection's round trips.
  const grouped = new GroupCommitter(db, (trx) => inTransaction(trx, db, dialect), guard, commitPath, {
    maxBatch: 64,
    concurrency: dialect === "sqlite" ? 1 : 4,
  });
  return {
    ...repositories(db, dialect),

    // Kysely commits when fn resolves and rolls back when it throws. On SQLite the one
    // connection is held until then, so other transactions and queries wait their turn (Kysely
    // queues them) instead of running inside this one; keep transactions short.
    transaction<T>(fn: (tx: Repositories) => Promise<T>, options?: TransactionOptions): Promise<T> {
      if (options?.group === true) return grouped.run(fn, options.durable !== false);
      return db.transaction().execute((trx) => guard.inside(() => fn(inTransaction(trx, db, dialect))));
    },

    // Idempotent: app shutdown and test clean-up may both close the store, and pg's
    // Pool.end() throws when called twice.
    close(): Promise<void> {
      closed ??= db.destroy();
      return closed;
    },
  };
}
