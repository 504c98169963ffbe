/**
 * The benchmarks' database of generated events (run.ts, facets.ts): opened on the server of
 * DATABASE_URL, loaded once as one restores a dump, and kept between runs when it is named.
 */
import postgres from "postgres";
import { closedDaysBefore, DAY_MS } from "@activity-log/core";
import { type Database, openDatabase } from "../src/db/client.ts";
import { buildClosedDayIndexes } from "../src/db/partition-indexes.ts";
import { ensurePartitions } from "../src/db/partitions.ts";
import { BENCH_ACCOUNTS, BENCH_DAYS, BENCH_PROJECTS, copyEvents, generateEvents } from "./generate-events.ts";

export interface BenchDatabase {
  name: string;
  /** The service's own connection pool (migrated). */
  database: Database;
  /** A plain postgres.js pool beside it, for the raw-SQL side of the measurements. */
  raw: postgres.Sql;
  /** Closes both pools; drops the database unless it was opened to be kept. */
  close(): Promise<void>;
}

/**
 * Opens the database `name` on the server of `url`, creating it if missing. A kept database (a
 * name given by the operator) survives close() for the next run to reuse: 10 M events take
 * 15–45 min to load on the benchmark machine.
 */
export async function openBenchDatabase(url: string, name: string, options: { keep: boolean; rawPoolSize?: number }): Promise<BenchDatabase> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const exists = (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  if (!exists) {
    await admin.unsafe(`create database "${name}"`);
    // What the one-pass index builds of a restore get (the closed days' indexes are built on the service's pool).
    await admin.unsafe(`alter database "${name}" set maintenance_work_mem = '1GB'`);
  }
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  const database = await openDatabase({ url: benchUrl.toString() });
  const raw = postgres(benchUrl.toString(), { max: options.rawPoolSize ?? 2, onnotice: () => {} });
  return {
    name,
    database,
    raw,
    async close() {
      await raw.end();
      await database.close();
      if (!options.keep) await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/**
 * Loads `total` events (3 accounts, 30 days, generateEvents' seed 1) unless the database already
 * holds exactly that load. Bulk load as one restores a dump: COPY with only the primary key, then
 * the secondary indexes built in one pass each, then the closed days' own indexes (as the worker
 * builds them), then VACUUM ANALYZE (what autovacuum does after a load; it also leaves the GIN
 * indexes without pending lists, as they are in steady state). Rows a previous run ingested
 * (ids prefixed h-/c-) are deleted, so every run starts from `total` rows.
 */
export async function loadBenchEvents(bench: BenchDatabase, total: number, log: (m: string) => void): Promise<{ copySeconds: number; loadSeconds: number }> {
  const { database, raw } = bench;
  const pg = database.pg!;
  await raw`create table if not exists bench_load (total bigint not null, loaded_at timestamptz not null, copy_s real not null, load_s real not null)`;
  const previous = (await raw`select * from bench_load`)[0];
  if (previous && Number(previous.total) === total) {
    const t = performance.now();
    const gone = await raw`delete from events where event_id like 'h-%' or event_id like 'c-%'`;
    if (gone.count > 0) await raw`vacuum analyze events`;
    log(
      `reusing ${bench.name}: ${total} events loaded at ${previous.loaded_at.toISOString()} (${gone.count} ingested rows removed in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    return { copySeconds: previous.copy_s, loadSeconds: previous.load_s };
  }
  await raw`truncate events, bench_load`;
  await raw`delete from projects where account_id like 'bench-%'`;
  await raw`delete from accounts where id like 'bench-%'`;
  for (const a of BENCH_ACCOUNTS) {
    await pg`insert into accounts (id, alias) values (${a.id}, ${a.id})`;
    for (const p of BENCH_PROJECTS) await pg`insert into projects (account_id, name) values (${a.id}, ${p})`;
  }
  const loadedAt = new Date();
  await ensurePartitions(database, new Date(loadedAt.getTime() - (BENCH_DAYS + 1) * DAY_MS), new Date(loadedAt.getTime() + 2 * DAY_MS));
  const indexes = await secondaryIndexes(raw);
  for (const ix of indexes) await raw.unsafe(`drop index if exists "${ix.name}"`);
  log(`loading ${total} events with COPY…`);
  const t = performance.now();
  const loaded = await copyEvents(raw, generateEvents({ count: total, end: loadedAt, seed: 1 }));
  const copySeconds = (performance.now() - t) / 1000;
  log(`loaded ${loaded} in ${copySeconds.toFixed(1)} s; building ${indexes.length} indexes…`);
  await raw.unsafe(`set maintenance_work_mem = '1GB'`);
  for (const ix of indexes) await raw.unsafe(ix.ddl);
  // As the worker does once a day is closed: every loaded day but today's.
  await buildClosedDayIndexes(database, closedDaysBefore(loadedAt));
  await raw.unsafe(`vacuum analyze events`);
  const loadSeconds = (performance.now() - t) / 1000;
  log(`load, index build and vacuum took ${loadSeconds.toFixed(1)} s`);
  await raw`insert into bench_load values (${total}, ${loadedAt}, ${copySeconds}, ${loadSeconds})`;
  return { copySeconds, loadSeconds };
}

/** The secondary indexes of `events` as the migrations left them (from the catalogue, storage parameters included). */
export async function secondaryIndexes(raw: postgres.Sql): Promise<{ name: string; ddl: string }[]> {
  const rows = await raw<{ name: string; ddl: string }[]>`select indexname as name, indexdef as ddl from pg_indexes
    where schemaname = current_schema() and tablename = 'events' and indexname <> 'events_pkey' order by indexname`;
  // The parent's definition says ON ONLY (the form pg_dump uses before attaching partitions' indexes).
  return rows.map((r) => ({ name: r.name, ddl: r.ddl.replace(" ON ONLY ", " ON ") }));
}
