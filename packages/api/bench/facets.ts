/**
 * Facets benchmark (`bun packages/api/bench/facets.ts`): loads FACETS_BENCH_EVENTS realistic events
 * (default 10 M, the events benchmark's data set: 3 accounts, 30 days) into a fresh database on
 * DATABASE_URL as run.ts does (bench-database.ts: COPY, the migrations' indexes, the closed days' own, VACUUM ANALYZE),
 * then times the Events view's facet query (db/event-facets.ts, the newest 10,000 matching events)
 * over 30 days of the largest account, for the filters the console sends. Target p95 ≤ 100 ms.
 * Writes the "Facets" section of BENCHMARKS.md.
 *
 * BENCH_FACETS_DB=<name> keeps the loaded database under that name and reuses it on the next run
 * (the load takes tens of minutes at 10 M); drop it by hand when done. A database of that name
 * that does not hold a finished load of FACETS_BENCH_EVENTS events is loaded afresh.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { DAY_MS, type EventFilter } from "@activity-log/core";
import { eventFacets } from "../src/db/event-facets.ts";
import { FACET_BUDGET_MS, FACET_SAMPLE } from "../src/console/events.ts";
import { loadBenchEvents, openBenchDatabase } from "./bench-database.ts";
import { writeBenchmarkSection } from "./benchmarks-file.ts";
import { BENCH_ACCOUNTS } from "./generate-events.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("the facets benchmark needs DATABASE_URL (a Postgres server; it creates and drops its own database)");
  process.exit(1);
}
const TOTAL = Number(process.env.FACETS_BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const TARGET_P95_MS = 100;
const log = (m: string) => console.error(`[facets] ${m}`);
const keptName = process.env.BENCH_FACETS_DB;
if (keptName !== undefined && !/^[a-z_][a-z0-9_]*$/.test(keptName)) {
  console.error("BENCH_FACETS_DB must be a plain lower-case database name");
  process.exit(1);
}
const bench = await openBenchDatabase(url, keptName ?? `al_facets_${Date.now().toString(36)}`, { keep: keptName !== undefined, rawPoolSize: 1 });
const { database, raw } = bench;

try {
  const { loadSeconds } = await loadBenchEvents(bench, TOTAL, log);
  await measure(loadSeconds);
} finally {
  await bench.close();
}

async function measure(loadSeconds: number) {
  const account = BENCH_ACCOUNTS[0].id;
  const [inAccount] = await raw`select count(*)::int as n from events where account_id = ${account}`;
  const [user] = await raw`select user_name from events where account_id = ${account} and not read_only order by event_time desc limit 1`;
  // A rare term: part of a request id from ten days back (a match the walk does not reach in its budget).
  const [rare] =
    await raw`select request_id from events where account_id = ${account} and event_time < now() - interval '10 days' order by event_time desc limit 1`;
  const window = { start: new Date(Date.now() - 30 * DAY_MS), end: new Date() };
  const cases: [string, EventFilter][] = [
    ["Read only: No (the console's default)", { readOnly: false }],
    ["Read only: All", {}],
    ["Action StopInstances", { readOnly: false, eventName: "StopInstances" }],
    ["User (one of the busiest)", { readOnly: false, userName: String(user!.user_name) }],
    ["Errors only", { errorsOnly: true }],
    ["Search (common, `i-0`)", { search: "i-0" }],
    ["Search (rare, part of a request id)", { search: String(rare!.request_id).slice(2, 12) }],
  ];
  const rows: string[] = [];
  let worst = 0;
  for (const [label, filter] of cases) {
    const run = () => eventFacets(database, { accountId: account, filter, window }, { sampleSize: FACET_SAMPLE, top: 8, budgetMs: FACET_BUDGET_MS });
    await run(); // warm-up
    const times: number[] = [];
    const counted: number[] = [];
    const spans: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      const f = await run();
      times.push(performance.now() - s);
      counted.push(f.counted);
      spans.push(window.end.getTime() - Date.parse(f.since!));
    }
    const at = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
    worst = Math.max(worst, at(times, 0.95));
    const [c50, cMin, span50, spanMin] = [at(counted, 0.5), at(counted, 0), at(spans, 0.5), at(spans, 0)];
    const range = (a: string, b: string) => (a === b ? a : `${b} (least ${a})`);
    rows.push(
      `| ${label} | ${range(cMin.toLocaleString("en-US"), c50.toLocaleString("en-US"))} | ${range(hours(spanMin), hours(span50))} | ${ms(at(times, 0.5))} | ${ms(at(times, 0.95))} |`,
    );
    log(`${label}: counted ${c50} over ${hours(span50)}, p50 ${ms(at(times, 0.5))} ms, p95 ${ms(at(times, 0.95))} ms`);
  }
  const [version] = await raw`select version() as v`;
  const section = [
    "## Facets (packages/api/bench/facets.ts)",
    "",
    `Run ${new Date().toISOString()} · ${cpus().length} CPUs · ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM · ${String(version!.v).split(" on ")[0]} · ${TOTAL.toLocaleString("en-US")} events (3 accounts, 30 days; load and indexes ${loadSeconds.toFixed(0)} s) · 30 days of the largest account (${Number(inAccount!.n).toLocaleString("en-US")} events) · ${RUNS} runs each · load average at the end ${loadavg()[0]!.toFixed(1)}.`,
    "",
    `Top 8 values of user, action, event source, project and resource over the newest matching events (one statement, JIT off; a search that the walk found little of gets a second one through the trigram index, bounded by the budget): the period walked newest first in half-hour slices until ${FACET_SAMPLE.toLocaleString("en-US")} events are found or ${FACET_BUDGET_MS} ms of walking are spent (db/event-facets.ts). "Events counted" and "hours covered" (from the answer's \`since\` to the end of the period; 720 h is all of it) are medians over the runs, with the least when they varied — ms.`,
    "",
    "| filter | events counted | hours covered | p50 | p95 |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `Target p95 ≤ ${TARGET_P95_MS} ms: worst ${ms(worst)} ms ${worst <= TARGET_P95_MS ? "✅" : "❌ miss"}. The work is bounded by the sample and the time budget, not by the period or the filter; the answer says what it covers (\`counted\`, \`since\`).`,
    "",
  ].join("\n");
  writeBenchmarkSection("## Facets (packages/api/bench/facets.ts)", section);
  console.log(section);
}

function hours(spanMs: number): string {
  return (spanMs / 3_600_000).toFixed(spanMs < 10 * 3_600_000 ? 1 : 0);
}

function ms(x: number): string {
  return x < 10 ? x.toFixed(2) : x.toFixed(1);
}
