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
