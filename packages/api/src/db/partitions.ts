import { DAY_MS, utcDayStart } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { forgetEventIdsBefore } from "./event-ids.ts";
import { rowsOf } from "./rows.ts";

/**
 * Day partitions of `events` (UTC days, named events_YYYYMMDD). The worker creates them ahead and
 * drops them past retention; ingest creates a missing one on demand. Dropping a partition is the
 * retention mechanism: no DELETE scans, no bloat.
 */

export interface EventPartition {
  name: string;
  /** The UTC midnight the partition starts at. */
  day: Date;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Days known to exist per database, so a busy ingest path does not ask the catalogue every batch. */
const known = new WeakMap<Database, Set<string>>();

/** Creates the partitions of every UTC day from `from` to `to` (inclusive) that do not exist yet. */
export async function ensurePartitions(database: Database, from: Date, to: Date): Promise<void> {
  const seen = known.get(database) ?? new Set<string>();
  known.set(database, seen);
  const missing: string[] = [];
  for (let t = utcDayStart(from).getTime(); t <= to.getTime(); t += DAY_MS) {
    const day = isoDay(new Date(t));
    if (!seen.has(day)) missing.push(day);
  }
  if (missing.length === 0) return;
  // One function call per day: each creation is idempotent and tolerates a concurrent creator.
  for (const day of missing) {
    await database.db.execute(sql`select activity_log_ensure_event_partition(${day}::date)`);
    seen.add(day);
  }
}

/** Forgets the cached partition list (after a drop, or when an insert found a partition missing). */
export function forgetPartitions(database: Database): void {
  known.delete(database);
}

/** The existing partitions, oldest first. */
export async function listPartitions(database: Database): Promise<EventPartition[]> {
  const rows = await rowsOf<{ name: string }>(
    database.db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'events'::regclass order by c.relname`,
  );
  const out: EventPartition[] = [];
  for (const { name } of rows) {
    const m = /^events_(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (m) out.push({ name, day: new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) });
  }
  return out;
}

/**
 * Drops every partition whose day ends on or before `day` (i.e. days strictly before its UTC day).
 * The worker passes now − the largest retention of any account, so no account loses visible events.
 */
export async function dropPartitionsBefore(database: Database, day: Date): Promise<string[]> {
  const cutoff = utcDayStart(day).getTime();
  const dropped: string[] = [];
  for (const p of await listPartitions(database)) {
    if (p.day.getTime() >= cutoff) continue;
    // The name comes from the catalogue and matched the strict pattern above: safe to interpolate.
    await database.db.execute(sql.raw(`drop table if exists "${p.name}"`));
    dropped.push(p.name);
  }
  if (dropped.length > 0) forgetPartitions(database);
  // The ids of the dropped days may be stored again (an id is unique within retention).
  await forgetEventIdsBefore(database, new Date(cutoff));
  return dropped;
}
