import { DomainError } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { rowsOf } from "./rows.ts";
import { inTransaction } from "./transaction.ts";

/** Postgres' SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = "57014";

/**
 * Runs the queries of `work` with a statement timeout of `ms`: the bound on work a caller can shape
 * (LookupEvents, the console's events and histogram, free-text search — which, matching nothing,
 * would otherwise read every day of the retention window). A timeout answers 503
 * ServiceUnavailableException with Retry-After, asking for a narrower query.
 *
 * The timeout is transaction-local (`set_config(..., true)`) inside a savepoint, so it neither
 * leaks to other users of a pooled connection nor outlives `work` in a request's transaction.
 * PGlite runs queries on the caller's thread and cannot cancel them: there the bound is not enforced.
 */
export async function withStatementTimeout<T>(database: Database, ms: number, work: () => Promise<T>): Promise<T> {
  try {
    return await inTransaction(database, () =>
      database.db.transaction(async (savepoint) => {
        const [previous] = await rowsOf<{ value: string }>(savepoint, sql`select current_setting('statement_timeout') as value`);
        await savepoint.execute(sql`select set_config('statement_timeout', ${`${Math.max(1, Math.round(ms))}ms`}, true)`);
        const result = await work();
        await savepoint.execute(sql`select set_config('statement_timeout', ${previous?.value ?? "0"}, true)`);
        return result;
      }),
    );
  } catch (error) {
    if (isQueryCanceled(error)) {
      throw new DomainError(
        "ServiceUnavailableException",
        `The query was stopped after ${ms / 1000} s. Narrow the time range or add filters (a search that matches little reads the whole window), then retry.`,
        { retryAfterSeconds: 1 },
      );
    }
    throw error;
  }
}

function isQueryCanceled(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === QUERY_CANCELED) return true;
  }
  return false;
}
