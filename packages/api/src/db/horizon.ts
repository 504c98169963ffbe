import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";

/**
 * The horizon: every transaction of this database with an id below it has finished (committed or
 * aborted), so the set of rows with ingest_xid below it can never change again. It is the snapshot's
 * xmin, except that transactions proven to run in *other* databases of the cluster are ignored
 * (they cannot write this database's events; a long COPY next door must not stall deliveries here).
 * A transaction that cannot be attributed (finished meanwhile, background process) counts as ours:
 * the horizon can only come out lower — later delivery — never too high. Ingest stamps rows with
 * the top-level id (pg_current_xact_id), which is what pg_stat_activity.backend_xid shows.
 */
export const HORIZON_SQL = `select coalesce(
    (select x from pg_snapshot_xip(s.snap) as x
      where not exists (
          select 1 from pg_stat_activity a
          where a.datid is not null and a.datname <> current_database()
            and a.backend_xid::text = (x::text::numeric % 4294967296)::text)
        and not exists (
          select 1 from pg_prepared_xacts p
          where p.database <> current_database() and p.transaction::text = (x::text::numeric % 4294967296)::text)
      order by x limit 1),
    pg_snapshot_xmax(s.snap))::text as h
  from (select pg_current_snapshot() as snap) s`;

/** The current horizon (see HORIZON_SQL). */
export async function currentHorizon(database: Database): Promise<string> {
  const [row] = await nativeQuery<{ h: string }>(database, HORIZON_SQL);
  return row!.h;
}

/** The next transaction id to be assigned: the horizon once everything running now has finished. */
async function currentXmax(database: Database): Promise<string> {
  const [row] = await nativeQuery<{ h: string }>(database, `select pg_snapshot_xmax(pg_current_snapshot())::text as h`);
  return row!.h;
}

export function maxXid(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/**
 * Waits (briefly) until transactions running now have finished, so ordinary ingest commits that
 * raced with a window's close make it into that window rather than the next. Purely a latency
 * nicety: correctness never depends on it (a transaction still open afterwards lands later).
 */
export async function settleHorizon(database: Database, maxWaitMs: number): Promise<void> {
  if (!database.pg || maxWaitMs <= 0) return;
  const target = BigInt(await currentXmax(database));
  const deadline = Date.now() + maxWaitMs;
  while (BigInt(await currentHorizon(database)) < target && Date.now() < deadline) await Bun.sleep(25);
}
