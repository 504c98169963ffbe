import { DAY_MS, utcDayStart } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { forgetEventIdsBefore } from "./event-ids.ts";
import { rowsOf } from "./rows.ts";

/**
 * Day partitions of `events` (UTC days, named events_YYYYMMDD). The worker creates them a week
 * ahead and drops them past retention; ingest creates a missing one on demand. Dropping a partition
 * is the retention mechanism: no DELETE scans, no bloat.
 *
 * Neither change may stall ingest or lookups behind a lock queue on `events`. Creation attaches a
 * new empty table (SHARE UPDATE EXCLUSIVE, which reads and inserts do not conflict with; see
 * migration 0007) under a short lock_timeout, retried. Removal on a Postgres server first detaches
 * CONCURRENTLY (same weak lock; it waits for queries still using the day without blocking anyone)
 * and then drops the table nobody reads any more. PGlite has a single connection and no lock
 * queue: it drops directly.
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
  const seen = database.knownPartitions ?? known.get(database) ?? new Set<string>();
  if (!database.knownPartitions) known.set(database, seen);
  const missing: string[] = [];
  for (let t = utcDayStart(from).getTime(); t <= to.getTime(); t += DAY_MS) {
    const day = isoDay(new Date(t));
    if (!seen.has(day)) missing.push(day);
  }
  if (missing.length === 0) return;
  // One function call per day: each creation is idempotent and tolerates a concurrent creator.
  for (const day of missing) {
    await retryingLockTimeouts(() => database.db.execute(sql`select activity_log_ensure_event_partition(${day}::date)`));
    seen.add(day);
  }
}

/** How often partition DDL that hit its lock_timeout is tried again, and the pause before each retry. */
const DDL_ATTEMPTS = 5;
const DDL_RETRY_PAUSE_MS = 200;

function isLockTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++)
    if ((e as { code?: unknown }).code === "55P03") return true;
  return false;
}

/** Runs DDL that gives up after its lock_timeout, a few times; the last timeout is thrown (a retryable 503 in a request). */
async function retryingLockTimeouts<T>(ddl: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ddl();
    } catch (error) {
      if (!isLockTimeout(error) || attempt >= DDL_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, DDL_RETRY_PAUSE_MS * attempt));
    }
  }
}

/** Forgets the cached partition list (after a drop, or when an insert found a partition missing). */
export function forgetPartitions(database: Database): void {
  database.knownPartitions?.clear();
  known.delete(database);
}

const PARTITION_NAME = /^events_(\d{4})(\d{2})(\d{2})$/;

function partitionOf(name: string): EventPartition | null {
  const m = PARTITION_NAME.exec(name);
  return m ? { name, day: new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) } : null;
}

/** The existing partitions, oldest first. */
export async function listPartitions(database: Database): Promise<EventPartition[]> {
  const rows = await rowsOf<{ name: string }>(
    database.db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'events'::regclass order by c.relname`,
  );
  return rows.map((r) => partitionOf(r.name)).filter((p): p is EventPartition => p !== null);
}

/**
 * Day tables on their way out: partitions whose concurrent detach was interrupted (still pending),
 * and day tables no longer attached (detached, not yet dropped).
 */
async function leftoverDays(database: Database): Promise<{ pending: EventPartition[]; detached: EventPartition[] }> {
  const rows = await rowsOf<{ name: string; state: "pending" | "detached" }>(
    database.db,
    sql`select c.relname as name, case when i.inhdetachpending then 'pending' else 'detached' end as state
        from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
        left join pg_inherits i on i.inhrelid = c.oid and i.inhparent = 'events'::regclass
        where c.relkind = 'r' and c.relname ~ '^events_[0-9]{8}$' and (i.inhrelid is null or i.inhdetachpending)`,
  );
  const of = (state: string) =>
    rows
      .filter((r) => r.state === state)
      .map((r) => partitionOf(r.name))
      .filter((p): p is EventPartition => p !== null);
  return { pending: of("pending"), detached: of("detached") };
}

/**
 * Drops every partition whose day ends on or before `day` (i.e. days strictly before its UTC day).
 * The worker passes now − the largest retention of any account, so no account loses visible events.
 */
export async function dropPartitionsBefore(database: Database, day: Date): Promise<string[]> {
  const cutoff = utcDayStart(day).getTime();
  const expired = (p: EventPartition) => p.day.getTime() < cutoff;
  const dropped: string[] = [];
  // Names below come from the catalogue and matched PARTITION_NAME: safe to interpolate.
  if (database.pg) {
    const leftover = await leftoverDays(database);
    for (const p of leftover.pending.filter(expired)) await database.pg.unsafe(`alter table events detach partition "${p.name}" finalize`);
    for (const p of [...leftover.pending, ...leftover.detached].filter(expired)) {
      await retryingLockTimeouts(() => dropTable(database, p.name));
      dropped.push(p.name);
    }
  }
  for (const p of (await listPartitions(database)).filter(expired)) {
    if (database.pg) await database.pg.unsafe(`alter table events detach partition "${p.name}" concurrently`);
    await retryingLockTimeouts(() => dropTable(database, p.name));
    dropped.push(p.name);
  }
  if (dropped.length > 0) forgetPartitions(database);
  // The ids of the dropped days may be stored again (an id is unique within retention).
  await forgetEventIdsBefore(database, new Date(cutoff));
  return dropped;
}

async function dropTable(database: Database, name: string): Promise<void> {
  if (!database.pg) {
    await database.db.execute(sql.raw(`drop table if exists "${name}"`));
    return;
  }
  // A detached table has no readers left; the timeout only guards against a stray one.
  await database.pg.begin(async (tx) => {
    await tx.unsafe("set local lock_timeout = '2s'");
    await tx.unsafe(`drop table if exists "${name}"`);
  });
}
