-- Creating a day partition without queueing behind readers and writers of `events`.
-- CREATE TABLE … PARTITION OF takes ACCESS EXCLUSIVE on `events`: it waits for every open reader
-- (a report's cursor) and every later insert and lookup waits behind it. Instead the day's table
-- is created on its own and then attached: ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on
-- `events`, which neither reads nor inserts conflict with (the new table is empty, so the
-- partition bound needs no scan, and ATTACH builds the partitioned indexes on it). A short
-- lock_timeout bounds the wait for the one lock it can still meet (another DDL, e.g. a detach):
-- the caller retries (db/partitions.ts). A table left unattached (none should be) is attached.
CREATE OR REPLACE FUNCTION activity_log_ensure_event_partition(day date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  part text := 'events_' || to_char(day, 'YYYYMMDD');
  lo timestamptz := (day::timestamp AT TIME ZONE 'UTC');
  hi timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
  IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(part) AND inhparent = 'events'::regclass) THEN
    RETURN;
  END IF;
  PERFORM set_config('lock_timeout', '1s', true);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
EXCEPTION
  WHEN duplicate_table OR unique_violation THEN
    -- Another transaction created it at the same moment.
    NULL;
  WHEN object_not_in_prerequisite_state OR wrong_object_type THEN
    -- Another transaction attached it at the same moment ("is already a partition").
    IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(part) AND inhparent = 'events'::regclass) THEN
      RAISE;
    END IF;
END;
$$;
