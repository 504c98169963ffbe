import { formatCount, formatTimeZoned, type TimeZoneChoice } from "./format.ts";

/**
 * What the facet counts cover, in words: every match of the period, or — when the API stopped at
 * its sample size or its time budget — every match from `since` on (the newest ones).
 */
export function facetsNote(d: { counted: number; sampled: boolean; since: string | null }, z?: TimeZoneChoice): string {
  const n = formatCount(d.counted);
  if (!d.sampled) return `Top values of all ${n} matching ${d.counted === 1 ? "event" : "events"}.`;
  const since = formatTimeZoned(d.since, z);
  if (d.counted === 0) return `No matching events since ${since}; the count stopped there. Narrow the period or add filters to count further back.`;
  return `Top values of the newest ${n} matching ${d.counted === 1 ? "event" : "events"}, back to ${since}.`;
}
