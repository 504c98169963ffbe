/** Token-bucket rate limits per key (the account), in memory: each API process limits what it serves. */
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
