/**
 * Units of time and the rules every package measures with: how long events are kept (the retention
 * floor) and UTC days (the partitions of `events`, the buckets of the histogram's rollups).
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * The oldest instant an account's events are kept and queryable at `now`: `retentionDays` whole days
 * back. Lookups clamp to it, ingest refuses events before it, the console's pickers stop at it.
 */
export function retentionFloor(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** UTC midnight of the day holding `t`. */
export function utcDayStart(t: Date): Date {
  return new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
}
