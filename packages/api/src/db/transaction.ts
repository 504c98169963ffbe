import type { Database, Db } from "./client.ts";

/**
 * A transaction that follows the work it was opened for. `inTransaction(database, work)` runs
 * `work` in one transaction, and while it runs every query made through that `database` — by
 * `database.db`, the native `database.pg` / `database.pglite`, from any module, however deep —
 * joins it; the same calls from other requests keep using the pool. That is how a call of this
 * service and its event commit together (record.ts) without every service taking a transaction
 * parameter. Nested `db.transaction(...)` inside become savepoints, as Drizzle does on a transaction.
 *
 * On PGlite (one session) this is also what prevents a deadlock: a query through the outer
 * instance would wait for the transaction's lock forever.
 *
 * The context store (node:async_hooks' AsyncLocalStorage) is handed in by whoever opens the
 * database (client.ts; an edge bootstrap with nodejs_compat), so this module, reachable from the
 * edge entry, imports nothing runtime-specific.
 */

/** The shape of AsyncLocalStorage this module needs. */
interface ContextStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}
export type ContextStoreClass = new <T>() => ContextStore<T>;

interface Scope {
  owner: Database;
  db: Db;
  native: unknown;
}

let scope: ContextStore<Scope> | undefined;

/** The base handles of a database, before scoping. */
type Handles = Pick<Database, "db" | "pg" | "pglite">;

/** Makes `database`'s handles follow an open `inTransaction` of the current async context. */
export function scopeTransactions<D extends Database>(database: D, Store: ContextStoreClass): D {
  scope ??= new Store<Scope>();
  const base: Handles = { db: database.db, pg: database.pg, pglite: database.pglite };
  const active = () => {
    const s = scope?.getStore();
    return s?.owner === database ? s : undefined;
  };
  Object.defineProperties(database, {
    db: { get: () => active()?.db ?? base.db, enumerable: true, configurable: true },
    pg: { get: () => (base.pg ? ((active()?.native as Database["pg"]) ?? base.pg) : undefined), enumerable: true, configurable: true },
    pglite: { get: () => (base.pglite ? ((active()?.native as Database["pglite"]) ?? base.pglite) : undefined), enumerable: true, configurable: true },
  });
  baseHandles.set(database, base);
  return database;
}

const baseHandles = new WeakMap<Database, Handles>();

/** True while the current async context runs inside `inTransaction(database, …)`. */
function inOpenTransaction(database: Database): boolean {
  return scope?.getStore()?.owner === database;
}

/**
 * Runs `work` in one transaction on `database` (committed when it resolves, rolled back when it
 * throws). Already inside one: `work` joins it. A database that was not scoped (an edge bootstrap
 * that did not call scopeTransactions) cannot carry a transaction across modules: `work` runs
 * without one, and record.ts still fails the answer closed when the event cannot be stored.
 */
export async function inTransaction<T>(database: Database, work: () => Promise<T>): Promise<T> {
  if (inOpenTransaction(database)) return work();
  const base = baseHandles.get(database);
  const store = scope;
  if (!base || !store) return work();
  return base.db.transaction(async (tx) => {
    // Drizzle keeps the driver's transaction client on its session (postgres.js TransactionSql, PGlite Transaction).
    const native = (tx as unknown as { session: { client: unknown } }).session.client;
    return store.run({ owner: database, db: tx as unknown as Db, native }, work);
  });
}
