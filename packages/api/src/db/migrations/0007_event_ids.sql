-- One row per stored event id: what makes ingest idempotent whatever eventTime a repeat carries.
-- `events` is partitioned by time, and Postgres enforces a unique key across partitions only when
-- it includes the partition key, so (account, event_time, event_id) alone let one id be stored at
-- two times. This narrow table holds the key across all days; a row leaves when its day's
-- partition is dropped (db/event-ids.ts, by event_time), so an id is unique within retention.
CREATE TABLE "event_ids" (
  "account_id" text NOT NULL,
  "event_id" text NOT NULL,
  "event_time" timestamptz NOT NULL,
  CONSTRAINT "event_ids_pkey" PRIMARY KEY ("account_id", "event_id")
);
--> statement-breakpoint
CREATE INDEX "event_ids_by_time" ON "event_ids" ("event_time");
--> statement-breakpoint
-- Events stored before this table existed (an id stored at two times keeps both rows: they are
-- evidence; the earliest time holds the key).
INSERT INTO "event_ids" ("account_id", "event_id", "event_time")
SELECT "account_id", "event_id", min("event_time") FROM "events" GROUP BY "account_id", "event_id";
