import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

type Schema = typeof schema;
/** The Drizzle handle every query module takes; the same type for both drivers. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

const MIGRATIONS_FOLDER = new URL("./migrations", import.meta.url).pathname;

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
  close(): Promise<void>;
}

/** A Postgres server (`url`, with `poolSize` connections, default 10) or embedded PGlite (`dataDir`; undefined = in memory). */
export type DatabaseOptions = { url: string; poolSize?: number } | { dataDir: string | undefined };

/** Opens Postgres (`url`) or embedded PGlite (`dataDir`; undefined = in memory) and migrates it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = "url" in options ? openPostgres(options.url, options.poolSize ?? 10) : await openPglite(options.dataDir);
  await migrateDatabase(database);
  return database;
}

/** A Postgres server another process or thread has already migrated (the worker's report threads). */
export function connectPostgres(url: string, poolSize = 1): Database {
  return openPostgres(url, poolSize);
}

function openPostgres(url: string, poolSize: number): Database {
  const pg = postgres(url, {
    max: poolSize,
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
