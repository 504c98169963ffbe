import { AsyncLocalStorage } from "node:async_hooks";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";
import { scopeTransactions } from "./transaction.ts";

type Schema = typeof schema;
/** The Drizzle handle every query module takes; the same type for both drivers. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_FOLDER = new URL("./migrations", import.meta.url).pathname;

/**
 * An open database: Drizzle for queries, plus the native driver for what Drizzle cannot do
 * (server-side cursors, COPY). Exactly one of `pg` / `pglite` is set.
 */
export interface Database {
  kind: "postgres" | "pglite";
  db: Db;
  pg?: postgres.Sql;
  /** The server's URL (postgres only), for threads that open connections of their own. */
  url?: string;
  pglite?: PGlite;
  /**
   * Days whose event partition is known to exist, when that knowledge should outlive this handle
   * (the edge opens a handle per request and shares one set per isolate); else kept per handle.
   */
  knownPartitions?: Set<string>;
  close(): Promise<void>;
}

/** Seconds to establish a connection before the query fails as "database unavailable". */
const CONNECT_TIMEOUT_SECONDS = 2;

/**
 * A Postgres server (`url`, with `poolSize` connections, default 10, and optionally a
 * `statementTimeoutMs` every statement of the pool runs under) or embedded PGlite (`dataDir`;
 * undefined = in memory).
 */
export type DatabaseOptions = { url: string; poolSize?: number; statementTimeoutMs?: number } | { dataDir: string | undefined };

/** Opens Postgres (`url`) or embedded PGlite (`dataDir`; undefined = in memory) and migrates it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ("url" in options && options.statementTimeoutMs !== undefined) {
    // Migrations may rewrite large tables: they run on a connection of their own, without the bound.
    // Two connections: migrateDatabase holds one for its advisory lock while the other migrates.
    const migrator = openPostgres(options.url, 2);
    try {
      await migrateDatabase(migrator);
    } finally {
      await migrator.close();
    }
    return scopeTransactions(openPostgres(options.url, options.poolSize ?? 10, options.statementTimeoutMs), AsyncLocalStorage);
  }
  const database = "url" in options ? openPostgres(options.url, options.poolSize ?? 10) : await openPglite(options.dataDir);
  await migrateDatabase(database);
  return scopeTransactions(database, AsyncLocalStorage);
}

/** A Postgres server another process or thread has already migrated (the worker's report threads). */
export function connectPostgres(url: string, poolSize = 1): Database {
  return openPostgres(url, poolSize);
}

function openPostgres(url: string, poolSize: number, statementTimeoutMs?: number): Database {
  const pg = postgres(url, {
    max: poolSize,
    // A startup parameter: every statement on these connections is bounded, at no extra round trip.
    ...(statementTimeoutMs !== undefined ? { connection: { statement_timeout: statementTimeoutMs } } : {}),
    // A server that is down or unreachable fails a request within seconds (a 503 the caller can
    // retry), not after the driver's default 30 s; once it is back, the next query reconnects.
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    onnotice: () => {},
  });
  const db = drizzlePostgres(pg, { schema }) as unknown as Db;
  return { kind: "postgres", db, pg, url, close: () => pg.end({ timeout: 5 }) };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const pglite = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return { kind: "pglite", db, pglite, close: () => pglite.close() };
}

/** The same committed migrations on both drivers (drizzle-kit migrate cannot create extensions on PGlite). */
async function migrateDatabase(database: Database): Promise<void> {
  if (database.pg) {
    // Serialise concurrent starters (several workers, API replicas) on one server.
    // The lock is per connection, so hold it on one reserved connection while the pool migrates.
    const lock = await database.pg.reserve();
    try {
      await lock`select pg_advisory_lock(727274)`;
      await migratePostgres(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await lock`select pg_advisory_unlock(727274)`.catch(() => {});
      lock.release();
    }
  } else {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  }
}

export { rowsOf } from "./rows.ts";
