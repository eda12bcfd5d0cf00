// Catches the one transaction mistake that behaves differently per dialect: calling the outer
// store (not the repositories transaction() handed over) from inside a transaction.
//   - SQLite has one connection, held by the transaction until it ends; Kysely's SqliteDriver
//     queues every other query behind it, so the outer call waits for the transaction that
//     waits for it: a silent hang.
//   - PostgreSQL takes a second pooled connection: the call works, but outside the
//     transaction, so it neither sees its writes nor rolls back with it.
// The guard wraps the dialect's driver: a query that asks for a fresh connection from within
// a running transaction of the same store fails at once, on both dialects.
import { AsyncLocalStorage } from "node:async_hooks";
import type {
  DatabaseConnection,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  TransactionSettings,
} from "kysely";
import { MoatError } from "../shared/errors.js";

export class TransactionGuard {
  // The scope object is shared by everything fn starts; closing it when fn settles keeps a
  // late, detached call (e.g. a timer fn set up) from being refused after the commit.
  readonly #scope = new AsyncLocalStorage<{ open: boolean }>();
  /** Transaction bodies running now. */
  #running = 0;

  /** Runs fn as the body of a transaction of this store. */
  async inside<T>(fn: () => Promise<T>): Promise<T> {
    const scope = { open: true };
    this.#running++;
    try {
      return await this.#scope.run(scope, fn);
    } finally {
      scope.open = false;
      // While the storage is enabled, Node 20 tracks every promise the process creates (async
      // hooks): a quarter of the CPU of delivering a message. Only a transaction body needs its
      // context, so tracking is off whenever none runs; run() turns it on again.
      if (--this.#running === 0) this.#scope.disable();
    }
  }

  /** Throws when called from inside a running transaction of this store. */
  check(): void {
    if (this.#scope.getStore()?.open === true) {
      throw new MoatError(
        "internal",
        "store used outside its running transaction: use the repositories passed to transaction()",
      );
    }
  }

  wrap(dialect: Dialect): Dialect {
    return {
      createDriver: () => new GuardedDriver(dialect.createDriver(), this),
      createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
      createAdapter: (): DialectAdapter => dialect.createAdapter(),
      createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
    };
  }
}

/** Delegates everything; only acquiring a new connection is checked. */
class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly guard: TransactionGuard,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    // Inside a transaction, Kysely runs the transaction's own queries on the connection it
    // already holds and never comes here; only a query from the outer store does.
    this.guard.check();
    return this.inner.acquireConnection();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    await this.savepointMethod("savepoint")(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    await this.savepointMethod("rollbackToSavepoint")(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    await this.savepointMethod("releaseSavepoint")(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private savepointMethod(
    name: "savepoint" | "rollbackToSavepoint" | "releaseSavepoint",
  ): NonNullable<Driver["savepoint"]> {
    const method = this.inner[name];
    if (method === undefined) throw new Error(`the database driver does not support ${name}`);
    return method.bind(this.inner);
  }
}
