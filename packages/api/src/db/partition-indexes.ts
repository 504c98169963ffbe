import { utcDayStart } from "@activity-log/core";
import type { Database } from "./client.ts";
import { listPartitions } from "./partitions.ts";
import { nativeQuery } from "./rows.ts";

/**
 * Indexes that only closed days' partitions carry. An index defined on `events` itself is kept up
 * to date by every insert into the open day, and the trigram index of free-text search is the
 * costliest of all (about 200 entries a row; BENCHMARKS.md, "Index costs"). So it is built on each
 * day's partition once the day is closed (core `closedDaysBefore`), and a search over the open day
 * scans that day's rows (the same `LIKE`, so the same matches). The planner uses a partition's own
 * indexes: a day that has one is read through it, a day without is scanned.
 */
export const CLOSED_DAY_INDEXES: readonly { suffix: string; definition: string }[] = [{ suffix: "search", definition: "using gin (search_text gin_trgm_ops)" }];

/** The name of a closed-day index on a day's partition, e.g. events_20261129_search. */
function closedDayIndexName(partition: string, suffix: string): string {
  return `${partition}_${suffix}`;
}

/**
 * Builds the closed-day indexes missing on the partitions of days before `closedBefore`; returns the
 * names built. On a Postgres server CREATE INDEX CONCURRENTLY: it takes SHARE UPDATE EXCLUSIVE on
 * the day's table alone, which neither reads nor inserts (nor partition creation on `events`)
 * conflict with, so it needs no lock_timeout; it waits for transactions already writing the day.
 * A build that was interrupted leaves an invalid index, which is dropped and built again. PGlite
 * has one connection and nothing to wait for: a plain CREATE INDEX.
 */
export async function buildClosedDayIndexes(database: Database, closedBefore: Date): Promise<string[]> {
  const cutoff = utcDayStart(closedBefore).getTime();
  const closed = (await listPartitions(database)).filter((p) => p.day.getTime() < cutoff);
  if (closed.length === 0) return [];
  const existing = new Map(
    (
      await nativeQuery<{ name: string; valid: boolean }>(
        database,
        `select c.relname as name, x.indisvalid as valid from pg_index x join pg_class c on c.oid = x.indexrelid
         join pg_inherits h on h.inhrelid = x.indrelid and h.inhparent = 'events'::regclass`,
      )
    ).map((r) => [r.name, r.valid]),
  );
  const concurrently = database.pg ? "concurrently" : "";
  const built: string[] = [];
  // Names come from the catalogue (matched events_YYYYMMDD) and from CLOSED_DAY_INDEXES: safe to interpolate.
  for (const p of closed) {
    for (const ix of CLOSED_DAY_INDEXES) {
      const name = closedDayIndexName(p.name, ix.suffix);
      const valid = existing.get(name);
      if (valid === true) continue;
      if (valid === false) await nativeQuery(database, `drop index ${concurrently} if exists "${name}"`);
      await nativeQuery(database, `create index ${concurrently} if not exists "${name}" on "${p.name}" ${ix.definition}`);
      built.push(name);
    }
  }
  return built;
}
