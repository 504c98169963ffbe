/**
 * Events benchmarks (`bun run bench`): loads BENCH_EVENTS realistic events (default 10 M) into a
 * fresh database on DATABASE_URL, then measures, each against raw Postgres in the same run:
 *  - ingest: HTTP batches through createApp vs raw COPY of equivalent rows (same table, same indexes);
 *  - first page for every filter key, a resource-id miss and search: p50/p95 vs hand-written SQL;
 *  - the histogram of 30 days and of 1 day.
 * Writes the "Events" section of BENCHMARKS.md (other sections are left as they are).
 * BENCH_EXPLAIN=1 prints the plan of every first-page query.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { DAY_MS, type EventFilter } from "@activity-log/core";
import { createApp } from "../src/app.ts";
import { createSecretBox } from "../src/auth/secret-box.ts";
import { systemClock } from "../src/clock.ts";
import type { Config } from "../src/config.ts";
import { rollUpEvents } from "../src/db/event-rollups.ts";
import { buildWhere, eventHistogram } from "../src/db/events.ts";
import { CLOSED_DAY_INDEXES } from "../src/db/partition-indexes.ts";
import type { AppDeps } from "../src/deps.ts";
import { queryEventPage } from "../src/events/query-service.ts";
import { silentLogger } from "../src/logger.ts";
import { loadBenchEvents, openBenchDatabase, secondaryIndexes } from "./bench-database.ts";
import { writeBenchmarkSection } from "./benchmarks-file.ts";
import { BENCH_ACCOUNTS, BENCH_DAYS, copyEvents, generateEvents } from "./generate-events.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("bench needs DATABASE_URL (a Postgres server; it creates and drops its own database)");
  process.exit(1);
}
const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const INGEST = Number(process.env.BENCH_INGEST_EVENTS ?? Math.min(100_000, Math.max(10_000, Math.round(TOTAL / 100))));
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const EXPLAIN = process.env.BENCH_EXPLAIN === "1";
const INGEST_TOKEN = "bench-ingest-token-0123456789";

const log = (m: string) => console.error(`[bench] ${m}`);
const now = new Date();
// BENCH_DB names a persistent database that is generated once and reused by later runs (10 M events
// take ~15 min to load on this machine); without it a fresh database is created and dropped.
const PERSISTENT = process.env.BENCH_DB;
const bench = await openBenchDatabase(url, PERSISTENT ?? `al_bench_${Date.now().toString(36)}`, { keep: PERSISTENT !== undefined });
const { database, raw } = bench;

try {
  await main();
} finally {
  await bench.close();
}

async function main() {
  const pg = database.pg!;
  const { copySeconds, loadSeconds } = await loadBenchEvents(bench, TOTAL, log);
  if (process.env.BENCH_LOAD_ONLY === "1") return;
  // The machine is shared: its load while measuring goes with the figures.
  const loadBefore = loadavg()[0]!;

  // Ingest, generated up front (generation is not measured), sustained over INGEST events each:
  //  - live: event times in the last hour, as an audit trail arrives (into the open day's partition);
  //  - backfill: times spread over the last 29 days (every day's partition and indexes touched);
  //  - raw COPY of live rows into the same table: what the indexes allow at all.
  const ingestEnd = new Date();
  const HOUR = 3_600_000;
  const live = [...generateEvents({ count: INGEST, end: ingestEnd, days: HOUR / DAY_MS, seed: 2, idPrefix: "h-" }, 1000)];
  const backfill = [...generateEvents({ count: INGEST, end: ingestEnd, days: 29, seed: 4, idPrefix: "h-b-" }, 1000)];
  const viaCopy = [...generateEvents({ count: INGEST, end: ingestEnd, days: HOUR / DAY_MS, seed: 3, idPrefix: "c-" }, 1000)];
  const app = createApp(benchDeps());
  const toBodies = (chunks: typeof live) =>
    chunks.map((chunk) =>
      JSON.stringify({
        events: chunk.map((e) => ({
          eventID: e.eventId,
          eventTime: e.eventTime.toISOString(),
          eventName: e.eventName,
          eventType: e.eventType,
          eventSource: e.eventSource,
          recipientAccountId: e.accountId,
          project: e.project,
          userName: e.userName,
          accessKeyId: e.accessKeyId,
          sourceIPAddress: e.sourceIp,
          userAgent: e.userAgent,
          requestID: e.requestId,
          requestParameters: e.requestParameters,
          responseElements: e.responseElements,
          errorCode: e.errorCode,
          errorMessage: e.errorMessage,
        })),
      }),
    );
  const overHttp = async (bodies: string[]) => {
    const t0 = performance.now();
    let next = 0;
    const client = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await app.request("/internal/v1/events", {
          method: "POST",
          headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" },
          body,
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      }
    };
    await Promise.all([client(), client()]);
    return INGEST / ((performance.now() - t0) / 1000);
  };
  log(`ingest: ${INGEST} live events over HTTP in batches of 1000 (2 in flight)…`);
  const httpRate = await overHttp(toBodies(live));
  log(`ingest: ${Math.round(httpRate)}/s; ${INGEST} backfill events over HTTP…`);
  const backfillRate = await overHttp(toBodies(backfill));
  log(`ingest: ${Math.round(backfillRate)}/s; raw COPY of ${INGEST} live events…`);
  const t = performance.now();
  await copyEvents(raw, viaCopy);
  const copyRate = INGEST / ((performance.now() - t) / 1000);
  await pg`analyze events`;
  const indexSet = (await secondaryIndexes(raw)).map((ix) => ix.name.replace(/^events_/, "")).join(", ");
  const closedDaySet = CLOSED_DAY_INDEXES.map((ix) => ix.suffix).join(", ");

  // First pages: the big account, last 30 days, 50 rows, newest first.
  const account = BENCH_ACCOUNTS[0].id;
  const sample = (
    await raw`select user_name, access_key_id, resource_ids[1] as rid, event_id from events
    where account_id = ${account} and resource_ids <> '{}' order by event_time desc limit 1`
  )[0]!;
  const cases: [string, EventFilter][] = [
    ["no filter", {}],
    ["ReadOnly=false", { readOnly: false }],
    ["EventName (common)", { eventName: "DescribeInstances" }],
    ["EventName (rare)", { eventName: "CreateUser" }],
    ["Username", { userName: sample.user_name }],
    ["Project", { project: "ml" }],
    ["EventSource", { eventSource: "iam.amazonaws.com" }],
    ["AccessKeyId", { accessKeyId: sample.access_key_id }],
    ["EventId", { eventId: sample.event_id }],
    ["ResourceName (hit)", { resourceName: sample.rid }],
    ["ResourceName (miss)", { resourceName: "i-00000000000000000" }],
    ["ResourceType", { resourceType: "AWS::EC2::Volume" }],
    ["errors only", { errorsOnly: true }],
    ["search (rare)", { search: sample.rid.slice(2, 12) }],
    ["search (miss)", { search: "no-such-text-anywhere" }],
    ["search (common)", { search: "terraform" }],
  ];
  const deps = benchDeps();
  const window = { start: new Date(now.getTime() - BENCH_DAYS * DAY_MS), end: now };
  const rows: string[][] = [];
  for (const [name, filter] of cases) {
    const { where, params } = buildWhere({ accountId: account, filter, window });
    const handSql = `select * from events where ${where} order by event_time desc, event_id desc limit 50`;
    if (EXPLAIN) {
      const plan = await raw.unsafe(`explain (analyze, buffers, costs off) ${handSql}`, params as never[]);
      console.log(`\n### ${name}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
    }
    // Same client, runs alternated: both sides see the same connections, caches and background load.
    const [ours, hand] = await timePair(
      () => queryEventPage(deps, { accountId: account, retentionDays: 30, filter, maxResults: 50, start: window.start, end: window.end }),
      () => pg.unsafe(handSql, params as never[]),
    );
    rows.push([name, ms(ours.p50), ms(ours.p95), ms(hand.p50), ms(hand.p95), (ours.p95 / hand.p95).toFixed(2)]);
    log(`${name}: ours p50 ${ms(ours.p50)} p95 ${ms(ours.p95)} · raw p50 ${ms(hand.p50)} p95 ${ms(hand.p95)}`);
  }

  await rollUpForHistogram();
  const hist30 = await timeIt(() => eventHistogram(database, { accountId: account, filter: {}, window }), 5);
  const day = { start: new Date(now.getTime() - DAY_MS), end: now };
  const hist1 = await timeIt(() => eventHistogram(database, { accountId: account, filter: {}, window: day }), 10);
  const histW = await timeIt(() => eventHistogram(database, { accountId: account, filter: { readOnly: false }, window }), 5);

  const version = (await raw`show server_version`)[0]!.server_version;
  const pageRow = (name: string) => rows.find((r) => r[0] === name)!;
  const firstPageOk = rows.filter((r) => !r[0]!.startsWith("search")).every((r) => Number(r[1]) <= 25 && Number(r[5]) <= 1.5);
  // The default size owns "Events"; another BENCH_EVENTS gets a section of its own beside it.
  const heading =
    TOTAL === 10_000_000 ? "## Events (packages/api/bench)" : `## Events at ${TOTAL.toLocaleString("en")} (packages/api/bench, BENCH_EVENTS=${TOTAL})`;
  const section = [
    heading,
    ``,
    `Run ${now.toISOString()} · ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}) · ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM · PostgreSQL ${version} · ${TOTAL.toLocaleString("en")} events (3 accounts, 30 days; COPY ${copySeconds.toFixed(0)} s, then indexes built, closed days' own ones as the worker builds them, and VACUUM ANALYZE: ${loadSeconds.toFixed(0)} s in all) · first pages on the largest account (${Math.round(BENCH_ACCOUNTS[0].share * 100)} %), ${RUNS} runs each · load average (1 min) ${loadBefore.toFixed(1)} before the measurements, ${loadavg()[0]!.toFixed(1)} after.`,
    ``,
    `### Ingest (same table, same indexes)`,
    ``,
    `Indexes on every day: primary key (account, time, id) and ${indexSet}; on closed days only (built by the worker once a day is closed): ${closedDaySet}. ${INGEST.toLocaleString("en")} events each way, sustained.`,
    ``,
    `| path | events/s | ratio | target |`,
    `|---|---|---|---|`,
    `| HTTP POST /internal/v1/events, live (times in the last hour), batches of 1000, 2 in flight | ${Math.round(httpRate).toLocaleString("en")} | ${(httpRate / copyRate).toFixed(2)} × COPY | ≥ 5,000/s ${httpRate >= 5000 ? "✅" : "❌ miss"} |`,
    `| HTTP, backfill (times over the last 29 days) | ${Math.round(backfillRate).toLocaleString("en")} | ${(backfillRate / copyRate).toFixed(2)} × COPY | |`,
    `| raw COPY of live rows (postgres.js) | ${Math.round(copyRate).toLocaleString("en")} | 1.00 | |`,
    ``,
    `### First page (50 events, last 30 days) — ms`,
    ``,
    `| filter | ours p50 | ours p95 | raw SQL p50 | raw SQL p95 | p95 ratio |`,
    `|---|---|---|---|---|---|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    ``,
    `Targets: first page p50 ≤ 25 ms and p95 ≤ 1.5 × raw for every filter ${firstPageOk ? "✅" : "❌ (see rows)"}; resource-id miss p95 ≤ 50 ms: ${pageRow("ResourceName (miss)")[2]} ms ${Number(pageRow("ResourceName (miss)")[2]) <= 50 ? "✅" : "❌"}; search p95 ≤ 1.5 × raw LIKE: ${rows
      .filter((r) => r[0]!.startsWith("search"))
      .map((r) => `${r[0]} ${r[5]}×`)
      .join(", ")}.`,
    `"raw SQL" is the same WHERE clause (\`select *\`, 50 rows) run directly through postgres.js on the service's own connection pool; "ours" is queryEventPage (validation, 51 rows to know whether a next page exists, row mapping, token signing). The two are alternated run by run.`,
    ``,
    `### Histogram — ms`,
    ``,
    `| period | p50 | p95 |`,
    `|---|---|---|`,
    `| 30 days, all events | ${ms(hist30.p50)} | ${ms(hist30.p95)} |`,
    `| 30 days, writes only | ${ms(histW.p50)} | ${ms(histW.p95)} |`,
    `| 1 day, all events | ${ms(hist1.p50)} | ${ms(hist1.p95)} |`,
    ``,
  ].join("\n");
  writeBenchmarkSection(heading, section);
  console.log(section);
}

/** The worker's rollup job over everything loaded, as it runs in production, so the histogram reads rollups. */
async function rollUpForHistogram() {
  const t = performance.now();
  const run = await rollUpEvents(database);
  log(`rollups: ${run.buckets} buckets up to horizon ${run.horizonTo} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function benchDeps(): AppDeps {
  return {
    database,
    storage: undefined as never,
    clock: systemClock,
    config: { ingestToken: INGEST_TOKEN, region: "ru-msk" } as Config,
    logger: silentLogger,
    secrets: createSecretBox("bench-secret-key-0123456789"),
  };
}

async function timeIt(f: () => Promise<unknown>, runs = RUNS) {
  await f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(f));
  return percentiles(times);
}

/** Two measures alternated run by run, so drift (autovacuum, caches, the other tenant of the machine) hits both alike. */
async function timePair(a: () => Promise<unknown>, b: () => Promise<unknown>, runs = RUNS) {
  await a();
  await b(); // warm-up
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    ta.push(await timeOnce(a));
    tb.push(await timeOnce(b));
  }
  return [percentiles(ta), percentiles(tb)] as const;
}

async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

function percentiles(times: number[]) {
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

function ms(x: number): string {
  return x < 10 ? x.toFixed(2) : x.toFixed(1);
}
