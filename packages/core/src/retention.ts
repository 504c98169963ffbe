/**
 * How long events are kept: the retention floor every reader and ingest applies, and the daily
 * partitions of `events` that the worker creates ahead and drops behind it (dropping a partition is
 * the retention mechanism).
 */
import { DEFAULT_QUOTAS } from "./limits.ts";
import { DAY_MS, HOUR_MS, utcDayStart } from "./time.ts";

/**
 * The oldest instant an account's events are kept and queryable at `now`: `retentionDays` whole days
 * back. Lookups clamp to it, ingest refuses events before it, the console's pickers stop at it.
 */
export function retentionFloor(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** Partitions exist a week ahead: ingest never waits on DDL at midnight, even after days in which the worker could not get its lock. */
export const PARTITION_DAYS_AHEAD = 7;

/** The days whose partitions must exist at `now`: from yesterday's (late events) to PARTITION_DAYS_AHEAD ahead. */
export function partitionSpan(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - DAY_MS), to: new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS) };
}

/** The retention the partitions must serve: the largest of any account (the default unless an operator raised one). */
export function largestRetentionDays(overrides: readonly number[]): number {
  return Math.max(DEFAULT_QUOTAS.retentionDays, ...overrides);
}

/**
 * Whole UTC days before this one can be dropped: now − the largest retention − one day of slack (a
 * window is inclusive, so the oldest visible instant may sit in the day before the floor's).
 */
export function partitionDropCutoff(now: Date, largestRetention: number): Date {
  return utcDayStart(new Date(now.getTime() - (largestRetention + 1) * DAY_MS));
}

/**
 * A UTC day is closed this long after it ends: late events (CloudTrail delivers within minutes) have
 * arrived, and ingest into its partition stops but for backfills.
 */
export const DAY_CLOSES_AFTER_MS = HOUR_MS;

/**
 * Days before this UTC midnight are closed at `now`: their partitions get the indexes the open
 * day's partition goes without (see api db/partition-indexes.ts).
 */
export function closedDaysBefore(now: Date): Date {
  return utcDayStart(new Date(now.getTime() - DAY_CLOSES_AFTER_MS));
}
