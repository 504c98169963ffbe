-- Commit order alone, across accounts: the rollup job (db/event-rollups.ts) reads the events that
-- became visible between two horizons, whatever their account.
CREATE INDEX "events_by_ingest_xid" ON "events" ("ingest_xid");
