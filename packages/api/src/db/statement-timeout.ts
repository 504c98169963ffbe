import { DomainError } from "@activity-log/core";

/** Postgres' SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = "57014";

/**
 * Runs the queries of `work` — work a caller can shape (LookupEvents, the console's events and
 * histogram, free-text search, which matching nothing would otherwise read every day of the
 * retention window) — and answers a statement cancelled by the bound with 503
 * ServiceUnavailableException and Retry-After, asking for a narrower query.
 *
 * The bound itself is the API pool's `statement_timeout` (QUERY_TIMEOUT_MS, a startup parameter of
 * its connections: openDeps with `boundQueries`), so it costs no round trip. PGlite runs queries
 * on the caller's thread and cannot cancel them: there the bound is not enforced.
 */
export async function withStatementTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
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

export function isQueryCanceled(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === QUERY_CANCELED) return true;
  }
  return false;
}
