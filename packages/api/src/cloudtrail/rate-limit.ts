/**
 * The CloudTrail API's per-account rate limit, kept in one of two places:
 * - `memory` (the Bun server): a token bucket per account in the process — exact for what this
 *   process serves, so N replicas admit up to N times the rate;
 * - `recorded-calls` (the edge, where an isolate serves a sliver of the traffic and a per-isolate
 *   bucket would limit nothing): the account's CloudTrail calls recorded in Postgres during the last
 *   burst/rate seconds, counted by the caller-resolution statement (db/caller-resolution.ts) at no
 *   extra round trip. It holds across isolates, regions and replicas; calls still in flight are not
 *   yet recorded, so concurrent callers can overshoot by their concurrency. Only authenticated calls
 *   count (a bad signature is not recorded), so nobody can spend an account's budget without its key.
 */
export type RateLimitStore = "memory" | "recorded-calls";

/** Token-bucket rate limits per key (the account). */
export interface RateLimit {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests allowed at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 20, burst: 50 };
/** The console API, per session: a page load fires a handful of requests, endless scrolling a few more. */
export const DEFAULT_CONSOLE_RATE_LIMIT: RateLimit = { ratePerSecond: 10, burst: 60 };

export interface RateLimiter {
  /** Takes one token; false when the bucket is empty. */
  take(key: string, nowMs: number): boolean;
}

export function createRateLimiter(limit: RateLimit, maxKeys = 100_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, nowMs) {
      let bucket = buckets.get(key);
      if (!bucket) {
        // Bound memory: forget the oldest account (it starts again with a full bucket).
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: limit.burst, at: nowMs };
        buckets.set(key, bucket);
      }
      const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
      bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSecond);
      bucket.at = nowMs;
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}

/** The window `recorded-calls` counts over: a full bucket drains in burst/rate seconds. */
export function recordedCallsWindowMs(limit: RateLimit): number {
  return Math.max(1, Math.round((limit.burst / limit.ratePerSecond) * 1000));
}

/** `recorded-calls`: within the window, at most `burst` calls (the one being decided not yet among them). */
export function recordedCallsAllow(limit: RateLimit, recentCalls: number): boolean {
  return recentCalls < limit.burst;
}
