import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/**
 * Runs raw SQL and returns its rows, whichever driver is underneath (postgres.js answers an array,
 * PGlite `{ rows }`). Kept apart from client.ts so code reachable from the edge entry does not pull
 * in the drivers.
 */
export async function rowsOf<T = Record<string, unknown>>(db: PgDatabase<PgQueryResultHKT, any>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
