import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";

/**
 * The `event_ids` key (one row per stored account + eventID, see migration 0006_event_ids) follows
 * the day partitions: when retention drops the days before a cutoff, the keys of those days go
 * too, so an id is a duplicate exactly while its event is stored. The table is narrow and indexed
 * by time; deleting in bounded batches keeps each statement's locks and WAL short.
 */
const BATCH = 10_000;

/** Forgets the keys of events timed before `cutoff`; returns how many. */
export async function forgetEventIdsBefore(database: Database, cutoff: Date): Promise<number> {
  let forgotten = 0;
  for (;;) {
    const rows = await nativeQuery(
      database,
      `delete from event_ids where ctid = any(array(select ctid from event_ids where event_time < $1 limit ${BATCH})) returning 1`,
      [cutoff.toISOString()],
    );
    forgotten += rows.length;
    if (rows.length < BATCH) return forgotten;
  }
}
