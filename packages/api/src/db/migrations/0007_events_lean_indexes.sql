-- Ingest at volume (BENCHMARKS.md, "Index costs" and "Events"): every index is paid for on every
-- insert, so only those a first page needs stay. Dropped:
--  - events_writes (Read only: No): a fifth of the rows are writes, so the newest 50 are found by
--    walking the primary key, which INCLUDEs read_only (no heap visit to filter);
--  - events_by_project: an account has a handful of projects, and the primary-key walk filtered by
--    project finds the first page as fast;
--  - events_resources (resource type): a few types per account, the same walk; resource ids keep
--    their GIN index.
-- The trigram index keeps fastupdate on (the default): inserting entries directly was 4–20 × the
-- cost of the pending list. Its text is shorter since this change (core searchTextOf: no event or
-- request ids, which have exact filters, and no JSON documents); rows stored before keep their text.
DROP INDEX IF EXISTS "events_writes";
--> statement-breakpoint
DROP INDEX IF EXISTS "events_by_project";
--> statement-breakpoint
DROP INDEX IF EXISTS "events_resources";
