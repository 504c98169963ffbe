/**
 * What each index of `events` costs at ingest (`bun packages/api/bench/index-costs.ts`): one day's
 * partition as it stands at 10 M stored events (BENCH_DAY_ROWS, default 333,000 rows), copied
 * afresh for every variant, given the primary key plus the index under test, then timed while
 * BENCH_INSERT_ROWS (default 20,000) more rows of that day are inserted and any GIN pending list
 * is flushed (so fastupdate's deferred work is counted). Variants alternate with the primary-key-only
 * baseline, so drift on a shared machine hits both. Needs DATABASE_URL; writes the "Index costs"
 * section of BENCHMARKS.md. The search-text variants compare the text the trigram index covers; the
 * first two compare the open day's whole set since migration 0015 with the set before it.
 * BENCH_ONLY (a comma list of name fragments) runs only those variants.
 */
import postgres from "postgres";
import type { StoredEvent } from "@activity-log/core";
import { writeBenchmarkSection } from "./benchmarks-file.ts";
import { copyEvents, generateEvents } from "./generate-events.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("index-costs needs DATABASE_URL");
  process.exit(1);
}
const DAY_ROWS = Number(process.env.BENCH_DAY_ROWS ?? 333_000);
const INSERT_ROWS = Number(process.env.BENCH_INSERT_ROWS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const log = (m: string) => console.error(`[index-costs] ${m}`);

type TextKind = "full" | "medium" | "short";

/** Candidate texts for the trigram index: full (every value, ids and JSON included: the text before this measurement), medium (no event/request ids, no response), short (no ids, no JSON). */
function searchTextFor(e: StoredEvent, kind: TextKind): string {
  const parts: string[] = [e.eventName, e.userName, e.project, e.eventSource];
  for (const s of [e.sourceIp, e.userAgent, e.errorCode, e.errorMessage]) if (s !== null) parts.push(s);
  for (const id of e.resourceIds) parts.push(id);
  if (e.accessKeyId !== null) parts.push(e.accessKeyId);
  if (kind === "full") {
    parts.push(e.eventId);
    if (e.requestId !== null) parts.push(e.requestId);
  }
  if (kind !== "short" && e.requestParameters !== null) parts.push(JSON.stringify(e.requestParameters));
  if (kind === "full" && e.responseElements !== null) parts.push(JSON.stringify(e.responseElements));
  return parts.join("\n");
}

/** The secondary indexes every day's partition carries since migration 0015 (the search trigram only on closed days). */
const OPEN_DAY = [
  `create index on T (account_id, event_name, event_time desc, event_id desc)`,
  `create index on T (account_id, user_name, event_time desc, event_id desc)`,
  `create index on T (account_id, project, event_time desc, event_id desc)`,
  `create index on T (account_id, event_source, event_time desc, event_id desc)`,
  `create index on T (account_id, access_key_id, event_time desc, event_id desc)`,
  `create index on T (account_id, event_id)`,
  `create index on T (account_id, event_time desc, event_id desc) where not read_only`,
  `create index on T (account_id, event_time desc, event_id desc) where error_code is not null`,
  `create index on T (account_id, ingest_xid)`,
  `create index on T (ingest_xid)`,
  `create index on T using gin (resource_ids)`,
  `create index on T using gin (resources jsonb_path_ops)`,
];

const ALL_VARIANTS: { name: string; ddl: string[]; text?: TextKind }[] = [
  { name: "primary key only", ddl: [] },
  { name: "all 12 of the open day (since migration 0015)", text: "full", ddl: OPEN_DAY },
  {
    name: "all 13 (before: the open day with the full-text trigram)",
    text: "full",
    ddl: [...OPEN_DAY, `create index on T using gin (search_text gin_trgm_ops)`],
  },
  { name: "by_name (account, event_name, time, id)", ddl: [`create index on T (account_id, event_name, event_time desc, event_id desc)`] },
  { name: "by_user", ddl: [`create index on T (account_id, user_name, event_time desc, event_id desc)`] },
  { name: "by_project", ddl: [`create index on T (account_id, project, event_time desc, event_id desc)`] },
  { name: "by_source", ddl: [`create index on T (account_id, event_source, event_time desc, event_id desc)`] },
  { name: "by_access_key", ddl: [`create index on T (account_id, access_key_id, event_time desc, event_id desc)`] },
  { name: "by_event_id (account, event_id)", ddl: [`create index on T (account_id, event_id)`] },
  { name: "writes (partial: not read_only)", ddl: [`create index on T (account_id, event_time desc, event_id desc) where not read_only`] },
  { name: "errors (partial: error_code not null)", ddl: [`create index on T (account_id, event_time desc, event_id desc) where error_code is not null`] },
  { name: "ingest_xid (account, xid)", ddl: [`create index on T (account_id, ingest_xid)`] },
  { name: "by_ingest_xid (xid)", ddl: [`create index on T (ingest_xid)`] },
  { name: "resource_ids GIN", ddl: [`create index on T using gin (resource_ids)`] },
  { name: "resources GIN jsonb_path_ops", ddl: [`create index on T using gin (resources jsonb_path_ops)`] },
  { name: "trigram, full text, fastupdate on (4 MB list)", text: "full", ddl: [`create index on T using gin (search_text gin_trgm_ops)`] },
  { name: "trigram, medium text, fastupdate on (4 MB list)", text: "medium", ddl: [`create index on T using gin (search_text gin_trgm_ops)`] },
  { name: "trigram, short text, fastupdate on (4 MB list)", text: "short", ddl: [`create index on T using gin (search_text gin_trgm_ops)`] },
  { name: "trigram, short text, fastupdate off", text: "short", ddl: [`create index on T using gin (search_text gin_trgm_ops) with (fastupdate = off)`] },
  {
    name: "trigram, short text, fastupdate on, 16 MB list",
    text: "short",
    ddl: [`create index on T using gin (search_text gin_trgm_ops) with (gin_pending_list_limit = 16384)`],
  },
];
// BENCH_ONLY=by_user,trigram: only the variants whose name contains one of these (the baseline always runs).
const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const TEXT_KINDS: Record<TextKind, string> = {
  full: "every value, event and request ids and both JSON documents included: what search covers",
  medium: "no ids, no response",
  short: "no ids, no JSON",
};
const VARIANTS = ALL_VARIANTS.filter((v, i) => i === 0 || !only || only.some((o) => v.name.includes(o)));

const admin = postgres(url, { max: 1, onnotice: () => {} });
const dbName = `al_bench_ix_${Date.now().toString(36)}`;
await admin.unsafe(`create database "${dbName}"`);
const dbUrl = new URL(url);
dbUrl.pathname = `/${dbName}`;
const pg = postgres(dbUrl.toString(), { max: 1, onnotice: () => {} });

try {
  await main();
} finally {
  await pg.end();
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
}

async function main() {
  await pg.unsafe(`create extension if not exists pg_trgm`);
  const end = new Date("2026-11-24T23:59:59Z");
  // Only the day tables the chosen variants need (the baseline's is the short text's).
  const kinds = [...new Set(VARIANTS.map((v) => v.text ?? "short"))];
  await createShape();
  const extra = new Map<TextKind, StoredEvent[][]>();
  const lengths = new Map<TextKind, number>();
  for (const kind of kinds) {
    // One day's partition with this search text (same rows every time: same seed).
    log(`loading one day of ${DAY_ROWS} rows (${kind} search text)…`);
    const table = `day_${kind}`;
    await pg.unsafe(`create table ${table} (like events_shape including defaults)`);
    const withText = function* (chunks: Iterable<StoredEvent[]>) {
      for (const chunk of chunks) yield chunk.map((e) => ({ ...e, searchText: searchTextFor(e, kind) }));
    };
    await copyEvents(pg, withText(generateEvents({ count: DAY_ROWS, end, days: 1, seed: 11 })), table);
    await pg.unsafe(`vacuum analyze ${table}`);
    extra.set(kind, [...withText(generateEvents({ count: INSERT_ROWS, end, days: 1, seed: 12, idPrefix: "x-" }, 1000))]);
    lengths.set(kind, (await pg.unsafe<{ n: number }[]>(`select avg(length(search_text))::int as n from ${table}`))[0]!.n);
  }

  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of VARIANTS) {
      const kind = v.text ?? "short";
      const base = await timeVariant(kind, [], extra.get(kind)!);
      const ms = await timeVariant(kind, v.ddl, extra.get(kind)!);
      const list = results.get(v.name) ?? [];
      list.push(ms - base, base);
      results.set(v.name, list);
      log(`round ${round + 1} ${v.name}: ${ms.toFixed(0)} ms vs ${base.toFixed(0)} ms primary key only`);
    }
  }
  const rows = VARIANTS.map((v) => {
    const list = results.get(v.name)!;
    const extras = list.filter((_, i) => i % 2 === 0).sort((a, b) => a - b);
    const bases = list.filter((_, i) => i % 2 === 1).sort((a, b) => a - b);
    const extraMs = extras[Math.floor(extras.length / 2)]!;
    const baseMs = bases[Math.floor(bases.length / 2)]!;
    const rate = INSERT_ROWS / ((extraMs + baseMs) / 1000);
    return `| ${v.name} | ${((extraMs / INSERT_ROWS) * 1000).toFixed(0)} | ${(extraMs / baseMs).toFixed(2)} × | ${Math.round(rate).toLocaleString("en")} |`;
  });
  const section = [
    "## Index costs (packages/api/bench/index-costs.ts)",
    "",
    `Run ${new Date().toISOString()} · one day's partition of ${DAY_ROWS.toLocaleString("en")} rows (a day at 10 M stored events), ${INSERT_ROWS.toLocaleString("en")} rows inserted by COPY (GIN pending lists flushed inside the timing), median of ${ROUNDS} rounds alternated with the primary-key-only baseline. Search text, characters a row on average: ${kinds.map((k) => `${k} ${lengths.get(k)} (${TEXT_KINDS[k]})`).join(", ")}.`,
    "",
    "| index added to the primary key | extra ms per 1,000 rows | extra / primary-key-only time | COPY rows/s with it |",
    "|---|---|---|---|",
    ...rows.slice(1),
    "",
  ].join("\n");
  writeBenchmarkSection("## Index costs (packages/api/bench/index-costs.ts)", section);
  console.log(section);
}

/** The columns of `events` (the partitioned parent cannot be copied with LIKE … INCLUDING DEFAULTS into a plain table here). */
async function createShape() {
  await pg.unsafe(`create table events_shape (
    account_id text not null, project text not null, event_time timestamptz not null, event_id text not null, event_name text not null,
    event_type text not null, event_source text not null, read_only boolean not null, user_name text not null, access_key_id text,
    source_ip text, user_agent text, request_id text, error_code text, error_message text, request_parameters jsonb,
    response_elements jsonb, additional_event_data jsonb, resources jsonb not null default '[]', resource_ids text[] not null default '{}',
    search_text text not null, ingest_xid xid8 not null default pg_current_xact_id(), received_at timestamptz not null default now())`);
}

/** A fresh copy of the day with the primary key and `ddl`; the time to COPY `extra` into it and flush GIN pending lists. */
async function timeVariant(kind: TextKind, ddl: string[], extra: StoredEvent[][]): Promise<number> {
  await pg.unsafe(`drop table if exists t`);
  await pg.unsafe(`create table t (like events_shape including defaults)`);
  await pg.unsafe(`insert into t select * from day_${kind}`);
  await pg.unsafe(`alter table t add primary key (account_id, event_time, event_id) include (read_only)`);
  for (const d of ddl) await pg.unsafe(d.replace(" T ", " t "));
  await pg.unsafe(`vacuum analyze t`);
  await pg.unsafe(`checkpoint`).catch(() => {});
  const t0 = performance.now();
  await copyEvents(pg, extra, "t");
  for (const { ix } of await pg<{ ix: string }[]>`select indexrelid::regclass::text as ix from pg_index i join pg_class c on c.oid = i.indexrelid
      join pg_am a on a.oid = c.relam where indrelid = 't'::regclass and a.amname = 'gin'`)
    await pg`select gin_clean_pending_list(${ix}::regclass)`;
  return performance.now() - t0;
}
