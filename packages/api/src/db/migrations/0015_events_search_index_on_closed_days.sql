-- Free-text search's trigram index leaves the partitioned parent, i.e. the open day's partition
-- that ingest writes to: every stored row added ~200 trigram entries to it, the largest single
-- cost of ingest (BENCHMARKS.md, "Index costs"). The worker now builds it on each day's partition
-- once the day is closed (db/partition-indexes.ts, CREATE INDEX CONCURRENTLY on the day's table,
-- which blocks neither reads nor inserts); search scans the open day's rows. Dropping the parent's
-- index drops every day's copy: the worker's next run rebuilds those of the closed days.
DROP INDEX IF EXISTS "events_search";
