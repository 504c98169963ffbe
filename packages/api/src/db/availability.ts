import { DomainError } from "@activity-log/core";

/**
 * Telling "the database cannot be reached right now" from every other failure, so that a caller
 * gets a clear, retryable 503 (ServiceUnavailableException with Retry-After) rather than an
 * InternalFailure. Drivers and Drizzle wrap errors, so the whole `cause` chain is examined.
 */

/** postgres.js / socket codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs of a server that is going away, starting up or full, and of a lock not granted within
 * lock_timeout (partition DDL): all pass with time.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "55P03"]);

/** Seconds a caller is told to wait (Retry-After) before trying again. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08")) return true;
  }
  return false;
}

export function databaseUnavailableError(): DomainError {
  return new DomainError("ServiceUnavailableException", "The service cannot reach its database right now. Try again in a few seconds.", {
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  });
}
