-- Events: range-partitioned by event_time, one partition per UTC day. Dropping a partition is the
-- retention mechanism (no DELETE scans). Drizzle has no partition DSL, hence this custom migration.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "events" (
  "account_id" text NOT NULL,
  "project" text NOT NULL,
  "event_time" timestamptz NOT NULL,
  "event_id" text NOT NULL,
  "event_name" text NOT NULL,
  "event_type" text NOT NULL,
  "event_source" text NOT NULL,
  "read_only" boolean NOT NULL,
  "user_name" text NOT NULL,
  "access_key_id" text,
  "source_ip" text,
  "user_agent" text,
  "request_id" text,
  "error_code" text,
  "error_message" text,
  "request_parameters" jsonb,
  "response_elements" jsonb,
  "additional_event_data" jsonb,
  "resources" jsonb NOT NULL DEFAULT '[]'::jsonb,
  "resource_ids" text[] NOT NULL DEFAULT '{}',
  "search_text" text NOT NULL,
  "ingest_xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
  "received_at" timestamptz NOT NULL DEFAULT now(),
  -- Also the time-ordered feed and keyset pagination (scanned backward for newest first); read_only
  -- is included so the histogram of an unfiltered period is an index-only scan.
  CONSTRAINT "events_pkey" PRIMARY KEY ("account_id", "event_time", "event_id") INCLUDE ("read_only")
) PARTITION BY RANGE ("event_time");
--> statement-breakpoint
-- One index per lookup attribute, each leading with account_id (the tenant boundary) and ending in
-- the feed order, so a filtered first page is a short index walk and the keyset condition
-- (event_time, event_id) < (…) is an index condition.
CREATE INDEX "events_by_name" ON "events" ("account_id", "event_name", "event_time" DESC, "event_id" DESC);
--> statement-breakpoint
CREATE INDEX "events_by_user" ON "events" ("account_id", "user_name", "event_time" DESC, "event_id" DESC);
--> statement-breakpoint
CREATE INDEX "events_by_project" ON "events" ("account_id", "project", "event_time" DESC, "event_id" DESC);
--> statement-breakpoint
CREATE INDEX "events_by_source" ON "events" ("account_id", "event_source", "event_time" DESC, "event_id" DESC);
--> statement-breakpoint
CREATE INDEX "events_by_access_key" ON "events" ("account_id", "access_key_id", "event_time" DESC, "event_id" DESC);
--> statement-breakpoint
CREATE INDEX "events_by_event_id" ON "events" ("account_id", "event_id");
--> statement-breakpoint
-- The console's default view (Read only: No) and "errors only".
CREATE INDEX "events_writes" ON "events" ("account_id", "event_time" DESC, "event_id" DESC) WHERE NOT "read_only";
--> statement-breakpoint
CREATE INDEX "events_errors" ON "events" ("account_id", "event_time" DESC, "event_id" DESC) WHERE "error_code" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "events_resource_ids" ON "events" USING gin ("resource_ids");
--> statement-breakpoint
CREATE INDEX "events_resources" ON "events" USING gin ("resources" jsonb_path_ops);
--> statement-breakpoint
CREATE INDEX "events_search" ON "events" USING gin ("search_text" gin_trgm_ops);
--> statement-breakpoint
-- Commit-ordered visibility for trail delivery (see packages/worker/src/trails.ts).
CREATE INDEX "events_ingest_xid" ON "events" ("account_id", "ingest_xid");
--> statement-breakpoint
-- Creates the partition holding one UTC day, if missing. Safe to call concurrently.
CREATE OR REPLACE FUNCTION activity_log_ensure_event_partition(day date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  part text := 'events_' || to_char(day, 'YYYYMMDD');
  lo timestamptz := (day::timestamp AT TIME ZONE 'UTC');
  hi timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
EXCEPTION
  WHEN duplicate_table OR unique_violation THEN
    -- Another transaction created it at the same moment.
    NULL;
END;
$$;
