/**
 * The Events view's activity histogram: how big its buckets are for a period, which buckets it
 * shows, and when the pre-aggregated counts (event_rollups, 5-minute buckets kept by the worker)
 * can answer instead of counting the events themselves.
 */
import type { EventFilter } from "./lookup.ts";
import { MINUTE_MS } from "./time.ts";

type Window = { start: Date; end: Date };

/** The bucket sizes a histogram picks from: 1, 5, 15 minutes, 1, 3, 6 hours, 1 day. */
export const HISTOGRAM_BUCKETS_MS = [1, 5, 15, 60, 180, 360, 1440].map((m) => m * MINUTE_MS);
const MAX_BUCKETS = 120;

/** The smallest bucket giving at most 120 buckets (≈30–120 for periods from 30 minutes to 30 days). */
export function histogramBucketMs(window: Window): number {
  const span = Math.max(1, window.end.getTime() - window.start.getTime());
  for (const b of HISTOGRAM_BUCKETS_MS) if (Math.ceil(span / b) <= MAX_BUCKETS) return b;
  return HISTOGRAM_BUCKETS_MS[HISTOGRAM_BUCKETS_MS.length - 1]!;
}

/** The start (epoch ms) of every bucket the window touches, UTC-aligned, oldest first: empty ones are shown too. */
export function histogramBucketStarts(window: Window, bucketMs: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(window.start.getTime() / bucketMs) * bucketMs; t <= window.end.getTime(); t += bucketMs) starts.push(t);
  return starts;
}

/** The buckets of the pre-aggregated counts: 5 minutes, UTC-aligned. */
export const ROLLUP_BUCKET_MS = 5 * MINUTE_MS;
/** What rollups keep apart (read/write and the error flag); any other filter needs the events themselves. */
const ROLLUP_FILTER_KEYS = new Set<string>(["readOnly", "errorsOnly"]);

/**
 * The part of a histogram that rollups can answer — the whole rollup buckets inside the window,
 * [lo, hi) — or null when they cannot help: a filter rollups do not keep, histogram buckets finer
 * than the rollups' (or not a multiple of them), or no whole rollup bucket inside the window.
 */
export function rollupSpan(filter: EventFilter, window: Window, bucketMs: number): { lo: Date; hi: Date } | null {
  if (bucketMs < ROLLUP_BUCKET_MS || bucketMs % ROLLUP_BUCKET_MS !== 0) return null;
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && !ROLLUP_FILTER_KEYS.has(key)) return null;
  const lo = Math.ceil(window.start.getTime() / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
  const hi = Math.floor(window.end.getTime() / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
  return hi > lo ? { lo: new Date(lo), hi: new Date(hi) } : null;
}
