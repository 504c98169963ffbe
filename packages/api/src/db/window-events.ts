import type { StoredEvent } from "@activity-log/core";
import type { Database } from "./client.ts";
import { type EventRow, SELECT_COLUMNS, toEvent } from "./events.ts";
import { nativeQuery } from "./rows.ts";

/**
 * The events of one delivery window of a trail, as fixed by its horizons (see the worker's trails.ts for why
 * this set is the same on every read). Ordered by (event_time, event_id) so a retry renders the
 * same bytes of JSON.
 */
export interface WindowContent {
  accountId: string;
  /** [windowStart, windowEnd): the 5-minute window being closed. */
  windowStart: Date;
  windowEnd: Date;
  /** Lower bound of event_time considered (chain start, retention, or when the trail started logging). */
  eventsFrom: Date;
  /** Previous window's horizon; null at the start of a chain. */
  horizonFrom: string | null;
  horizonTo: string;
}

/**
 * Two disjoint parts (UNION ALL), each pruned to its partitions:
 *  - events timed in the window itself that were visible at the window's horizon;
 *  - events timed before the window (down to eventsFrom) that became visible between the previous
 *    horizon and this one — the late commits the previous windows could not have seen.
 */
export async function readWindowEvents(database: Database, w: WindowContent): Promise<StoredEvent[]> {
  // The window's own events start at eventsFrom when the trail started logging inside the window.
  const ownFrom = new Date(Math.max(w.eventsFrom.getTime(), w.windowStart.getTime()));
  const params: unknown[] = [w.accountId, ownFrom.toISOString(), w.windowEnd.toISOString(), w.horizonTo];
  let text = `select ${SELECT_COLUMNS} from events
    where account_id = $1 and event_time >= $2::timestamptz and event_time < $3::timestamptz and ingest_xid < $4::xid8`;
  if (w.horizonFrom !== null && w.eventsFrom < w.windowStart) {
    params.push(w.windowStart.toISOString(), w.eventsFrom.toISOString(), w.horizonFrom);
    text += `
    union all
    select ${SELECT_COLUMNS} from events
    where account_id = $1 and event_time >= $6::timestamptz and event_time < $5::timestamptz
      and ingest_xid >= $7::xid8 and ingest_xid < $4::xid8`;
  }
  // A union sorts by its output columns; the fixed-width UTC text sorts as the time does.
  text += `
    order by event_time_text, event_id`;
  const rows = await nativeQuery<EventRow>(database, text, params);
  return rows.map(toEvent);
}
