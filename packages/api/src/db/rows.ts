import type { SQL } from "drizzle-orm";
import type { Database } from "./client.ts";

/**
 * Raw SQL on whichever driver is underneath, for what Drizzle cannot say (partition-aware plans,
 * cursors, row comparisons, xid8). Kept apart from client.ts so code reachable from the edge entry
 * does not pull in the drivers.
 */

/** Runs a Drizzle `sql` query and returns its rows (postgres.js answers an array, PGlite `{ rows }`). */
export async function rowsOf<T = Record<string, unknown>>(db: { execute(query: SQL): PromiseLike<unknown> }, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Runs one parameterised statement on whichever driver is underneath and returns its rows. */
export async function nativeQuery<T = Record<string, unknown>>(database: Database, text: string, params: unknown[] = []): Promise<T[]> {
  // Unnamed statements: planned with the actual values every time. A named (prepared) statement
  // switches to a generic plan after a few runs, which cannot see the window or rare values.
  if (database.pg) return (await database.pg.unsafe(text, params as never[], { prepare: false })) as unknown as T[];
  if (database.pglite) return (await database.pglite.query<T>(text, params)).rows;
  throw new Error("database has no native driver");
}
