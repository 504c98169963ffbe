import { ROLLUP_BUCKET_MS, utcDayStart } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { HORIZON_SQL } from "./horizon.ts";
import { rowsOf } from "./rows.ts";

/**
 * Exact pre-aggregated event counts for the histogram (tables in schema/event-rollups.ts).
 *
 * `event_rollups` holds, per account, 5-minute UTC bucket, read/write and error flag, the number of
 * events whose ingest_xid is below the stored horizon H. A horizon is an xid below which every
 * transaction has finished, so the set of rows with ingest_xid < H can never change again; each
 * run counts exactly the rows with previous H ≤ ingest_xid < new H and stores the new H in the same
 * transaction. Every committed event is therefore counted once, in the run whose xid range holds
 * its inserting transaction — never twice, never lost, whatever crashes or races.
 *
 * A reader (eventHistogram) adds, in the same statement (one snapshot), the rows with
 * ingest_xid ≥ H: the sum is exactly the live count. Retention deletes the rollups of the days
 * whose partitions it drops (deleteRollupsBefore), so both stay equal there too.
 */

const LOCK_KEY = "activity-log:event-rollups";
/** core's ROLLUP_BUCKET_MS as an SQL interval literal (a constant, so safe to inline). */
const ROLLUP_INTERVAL = sql.raw(`'${ROLLUP_BUCKET_MS} milliseconds'::interval`);

export interface RollupRunSummary {
  /** False when another process was rolling up at the same moment (it does the work). */
  ran: boolean;
  horizonFrom: string | null;
  horizonTo: string | null;
  /** Rollup rows inserted or incremented. */
  buckets: number;
}

/**
 * Rolls up every event that became visible since the last run, up to `horizon` (default: the
 * current one, HORIZON_SQL — the horizon trail delivery uses). Exclusive across processes through
 * an advisory transaction lock; a concurrent caller returns `ran: false`.
 */
export async function rollUpEvents(database: Database, horizon?: string): Promise<RollupRunSummary> {
  return database.db.transaction(async (tx) => {
    const db = tx;
    const [lock] = await rowsOf<{ ok: boolean }>(db, sql`select pg_try_advisory_xact_lock(hashtextextended(${LOCK_KEY}, 0)) as ok`);
    if (!lock?.ok) return { ran: false, horizonFrom: null, horizonTo: null, buckets: 0 };
    // Before anything that takes a transaction id (the advisory lock serialises runs; no row lock needed).
    const [now] = horizon === undefined ? await rowsOf<{ h: string }>(db, sql.raw(HORIZON_SQL)) : [{ h: horizon }];
    const [state] = await rowsOf<{ h: string }>(db, sql`select horizon::text as h from event_rollup_state`);
    const prev = state?.h ?? null;
    const next = now!.h;
    if (prev !== null && BigInt(next) <= BigInt(prev)) return { ran: true, horizonFrom: prev, horizonTo: prev, buckets: 0 };
    const [counted] = await rowsOf<{ n: number }>(
      db,
      sql`with up as (insert into event_rollups (account_id, bucket_start, read_only, errors, n)
          select account_id, date_bin(${ROLLUP_INTERVAL}, event_time, timestamptz 'epoch'), read_only, error_code is not null, count(*)
          from events
          where ingest_xid < ${next}::xid8 ${prev === null ? sql`` : sql`and ingest_xid >= ${prev}::xid8`}
          group by 1, 2, 3, 4
          on conflict (account_id, bucket_start, read_only, errors) do update set n = event_rollups.n + excluded.n
          returning 1)
          select count(*)::int as n from up`,
    );
    await rowsOf(
      db,
      sql`insert into event_rollup_state (id, horizon, updated_at) values (true, ${next}::xid8, now())
          on conflict (id) do update set horizon = excluded.horizon, updated_at = excluded.updated_at`,
    );
    return { ran: true, horizonFrom: prev, horizonTo: next, buckets: Number(counted?.n ?? 0) };
  });
}

/** Deletes the rollups of every UTC day strictly before `day`'s — the days dropPartitionsBefore(day) drops. */
export async function deleteRollupsBefore(database: Database, day: Date): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(
    database.db,
    sql`with d as (delete from event_rollups where bucket_start < ${utcDayStart(day).toISOString()}::timestamptz returning 1)
        select count(*)::int as n from d`,
  );
  return Number(row?.n ?? 0);
}
