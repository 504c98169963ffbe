/**
 * Worker benchmarks (run by `bun run bench` after the api benchmarks; needs DATABASE_URL for the
 * COPY baseline, otherwise runs on PGlite without it):
 *  - report rows/s (CSV, gzip, local object store) built by a worker process in its loop (default
 *    options: key ranges rendered by Postgres, two COPYs at once) vs `COPY (SELECT …) TO STDOUT CSV`
 *    in the same run, and the same report built in this process with its key ranges on one
 *    connection and on two, and the time planning its key ranges takes;
 *  - the worker process's peak RSS as an operator sees it: VmHWM from /proc/<pid>/status, sampled;
 *  - time to archive one 5-minute window of a trail.
 * Sizes: BENCH_REPORT_ROWS (default 100,000) and BENCH_WINDOW_EVENTS (default 20,000); the targets
 * are stated for 1 M rows and 100 k events per window. Writes the "Worker" section of BENCHMARKS.md.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { DAY_MS, DEFAULT_QUOTAS } from "@activity-log/core";
import { writeBenchmarkSection } from "@activity-log/api/benchmarks-file";
import { ensurePartitions, getReport, listDeliveries, nativeQuery, planKeyRanges, requestReport } from "@activity-log/api/db";
import { fixedClock } from "@activity-log/api/runtime";
import { createTestDeps, seedAccountWithKey, seedTrail, testEnv } from "@activity-log/api/test-kit";
import { runOnce } from "../src/main.ts";
import { generateReports } from "../src/reports.ts";
import { deliverTrails } from "../src/trails.ts";

const REPORT_ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 100_000);
const WINDOW_EVENTS = Number(process.env.BENCH_WINDOW_EVENTS ?? 20_000);
// Now (to the 5-minute window): the worker process runs on the real clock, and its retention must keep the rows.
const END = new Date(Math.floor(Date.now() / 300_000) * 300_000);

/** Inserts `count` varied events for an account between `from` and `to`, in the database itself. */
async function generate(deps: Awaited<ReturnType<typeof createTestDeps>>, accountId: string, count: number, from: Date, to: Date) {
  await ensurePartitions(deps.database, from, to);
  const span = to.getTime() - from.getTime();
  const chunk = 50_000;
  for (let offset = 0; offset < count; offset += chunk) {
    const n = Math.min(chunk, count - offset);
    await nativeQuery(
      deps.database,
      `insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name,
         access_key_id, source_ip, user_agent, request_id, request_parameters, response_elements, resources, resource_ids, search_text)
       select $1, (array['default','web','db'])[1 + g % 3],
         $2::timestamptz + (g::float8 / $4 * $5::float8) * interval '1 millisecond',
         'ev-' || $3 || '-' || g, (array['RunInstances','DescribeInstances','StopInstances','PutObject'])[1 + g % 4],
         'AwsApiCall', 'ec2.amazonaws.com', g % 4 = 1, 'user-' || (g % 17), 'AKIA' || lpad((g % 97)::text, 16, '0'),
         '10.0.' || (g % 250) || '.' || (g % 200), 'aws-cli/2.15.0 Python/3.11 Linux/6.1', 'req-' || g,
         jsonb_build_object('instanceId', 'i-' || lpad(to_hex(g), 17, '0'), 'note', '=cmd|"x",y'),
         case when g % 4 = 1 then null else jsonb_build_object('ok', true) end,
         jsonb_build_array(jsonb_build_object('type', 'AWS::EC2::Instance', 'name', 'i-' || lpad(to_hex(g), 17, '0'))),
         array['i-' || lpad(to_hex(g), 17, '0')], ''
       from generate_series($6::int, $7::int) g`,
      [accountId, from.toISOString(), accountId, count, span, offset, offset + n - 1],
    );
  }
  // As after a restore: hint bits set and visibility known, so neither the report nor the COPY
  // baseline (which runs second) pays for the first scan's writes.
  await nativeQuery(deps.database, `vacuum analyze events`);
}

async function main() {
  const loadAtStart = loadavg()[0]!;
  const deps = await createTestDeps({ clock: fixedClock(END) });
  const lines: string[] = [];
  try {
    const server =
      deps.database.kind === "postgres" ? (await nativeQuery<{ v: string }>(deps.database, `select version() as v`))[0]!.v.split(" on ")[0] : "PGlite";
    const t0 = performance.now();
    const step = (s: string) => process.stderr.write(`[bench] ${s} ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
    await nativeQuery(deps.database, `insert into accounts (id, alias) values ('bench-report', 'bench-report')`);
    await generate(deps, "bench-report", REPORT_ROWS, new Date(END.getTime() - 30 * DAY_MS), END);
    const loadS = (performance.now() - t0) / 1000;
    step("generated");
    // The worker's other jobs catch up on the generated rows first (closed days' search indexes,
    // histogram rollups, rule matching), as a running worker has long done: the report is measured
    // alone, as the COPY it is compared with is.
    await runOnce(deps, new Date(), { workerId: "bench-catch-up", settleMs: 0 });
    step("other jobs caught up");

    // --- report ---
    const window = { start: new Date(END.getTime() - 30 * DAY_MS), end: END };
    // The same 30-day CSV report each time it is measured.
    const queueReport = () =>
      requestReport(deps.database, { accountId: "bench-report", createdBy: "bench", format: "csv", filter: {}, window, quotas: DEFAULT_QUOTAS, now: END });
    const report = await queueReport();
    // A worker process, as deployed (its loop, on the real clock), builds the report; stopped once it is ready.
    const child = Bun.spawn(["bun", new URL("../src/main.ts", import.meta.url).pathname], {
      env: { ...testEnv(deps.dataDir, { DATABASE_URL: deps.database.url }), PATH: process.env.PATH },
      stdout: "pipe",
      stderr: "inherit",
    });
    let peakKb = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    }, 50);
    for (;;) {
      const r = await getReport(deps.database, "bench-report", report.id);
      if (r?.status === "ready" || r?.status === "failed") break;
      await Bun.sleep(100);
    }
    child.kill("SIGTERM");
    await child.exited;
    clearInterval(sampler);
    step("report built by a worker process");
    const row = (await getReport(deps.database, "bench-report", report.id))!;
    if (row.status !== "ready" || row.rowsDone !== REPORT_ROWS) throw new Error(`report ended ${row.status} with ${row.rowsDone} rows: ${row.error}`);
    const reportS = (row.finishedAt!.getTime() - row.startedAt!.getTime()) / 1000;
    const ours = REPORT_ROWS / reportS;

    // The same report built in this process with its key ranges on one connection (one COPY at a
    // time; PGlite reads pages instead) and on two (the default: two COPYs at once), and the
    // planning of its key ranges alone (part of both).
    const inProcess = async (connections: number) => {
      const queued = await queueReport();
      const s0 = performance.now();
      await generateReports(deps, () => new Date(), { workerId: `bench-${connections}`, csvConnections: connections });
      const seconds = (performance.now() - s0) / 1000;
      const done = (await getReport(deps.database, "bench-report", queued.id))!;
      if (done.status !== "ready" || done.rowsDone !== REPORT_ROWS) throw new Error(`${connections}-connection report ended ${done.status}`);
      step(`report built in this process on ${connections} connection(s)`);
      return REPORT_ROWS / seconds;
    };
    const single = await inProcess(1);
    const parallel = deps.database.pg ? await inProcess(2) : undefined;
    let planS: number | undefined;
    if (deps.database.pg) {
      const p0 = performance.now();
      await planKeyRanges(deps.database, { accountId: "bench-report", filter: {}, window }, 50_000);
      planS = (performance.now() - p0) / 1000;
    }

    let copyRate: number | undefined;
    if (deps.database.pg) {
      const c0 = performance.now();
      const stream = await deps.database.pg
        .unsafe(
          `copy (select event_time, event_name, user_name, project, event_source, read_only, error_code, error_message, source_ip, user_agent,
             resource_ids, access_key_id, event_id, request_id, event_type, request_parameters, response_elements
           from events where account_id = 'bench-report' and event_time >= '${window.start.toISOString()}' and event_time <= '${window.end.toISOString()}'
           order by event_time desc, event_id desc) to stdout csv`,
        )
        .readable();
      // Flowing mode: under Bun, pulling this stream (for await) sometimes stalls for good —
      // postgres.js pauses the socket on backpressure and the resume can be lost.
      let bytes = 0;
      stream.on("data", (chunk: Uint8Array) => (bytes += chunk.byteLength));
      await once(stream, "end"); // rejects on "error"
      copyRate = REPORT_ROWS / ((performance.now() - c0) / 1000);
      if (bytes === 0) throw new Error("COPY returned nothing");
    }

    step("copy done");
    // --- archive of one window ---
    const key = await seedAccountWithKey(deps, "bench-trail");
    await deps.storage.service().createBucket("bench-bucket");
    const windowStart = new Date(END.getTime() - 10 * 60_000);
    await generate(deps, key.accountId, WINDOW_EVENTS, windowStart, new Date(windowStart.getTime() + 299_000));
    const trail = await seedTrail(deps, {
      accountId: key.accountId,
      name: "bench",
      bucket: "bench-bucket",
      accessKeyId: key.accessKeyId,
      startAt: windowStart,
    });
    const a0 = performance.now();
    const summary = await deliverTrails(deps, new Date(windowStart.getTime() + 300_000), { settleMs: 0 });
    const archiveS = (performance.now() - a0) / 1000;
    const [delivery] = await listDeliveries(deps.database, trail.id);
    if (summary.delivered !== 1 || delivery?.eventCount !== WINDOW_EVENTS) throw new Error(`archive: ${JSON.stringify(summary)} ${delivery?.eventCount}`);

    const fmt = (x: number) => Math.round(x).toLocaleString("en");
    const ratio = copyRate ? ours / copyRate : undefined;
    lines.push(
      "## Worker (packages/worker/bench)",
      "",
      `Run ${new Date().toISOString()} · ${cpus().length} CPUs · ${Math.round(totalmem() / 2 ** 30)} GiB RAM · ${server} · ${fmt(REPORT_ROWS)} report rows (generated in ${loadS.toFixed(1)} s) · ${fmt(WINDOW_EVENTS)} events in the archived window · load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (the cores are shared). Sizes: BENCH_REPORT_ROWS, BENCH_WINDOW_EVENTS.`,
      "",
      "| measure | result | target |",
      "|---|---|---|",
      `| report (CSV, gzip, object store), rows/s, worker process (default: key ranges rendered by Postgres, two COPYs at once; claimed → ready) | ${fmt(ours)} | ≥ 100,000 ${ours >= 100_000 ? "✅" : "❌ miss"} |`,
      `| the same report in this process, key ranges on one connection, rows/s | ${fmt(single)} (${copyRate ? `${(single / copyRate).toFixed(2)} × COPY` : "no COPY baseline"}) | |`,
      parallel
        ? `| the same report in this process, key ranges on two connections (the default), rows/s | ${fmt(parallel)} (${copyRate ? `${(parallel / copyRate).toFixed(2)} × COPY, ` : ""}${(parallel / single).toFixed(2)} × one connection) | |`
        : "| key ranges on two connections | not measured (PGlite reads one page at a time) | |",
      planS !== undefined
        ? `| planning the key ranges (50,000 rows each; part of every figure above) | ${planS.toFixed(2)} s | |`
        : "| planning the key ranges | not measured (PGlite) | |",
      copyRate
        ? `| \`COPY (SELECT …) TO STDOUT CSV\`, rows/s | ${fmt(copyRate)} (ours = ${ratio!.toFixed(2)} ×) | ours ≥ 0.5 × ${ratio! >= 0.5 ? "✅" : "❌ miss"} |`
        : "| `COPY … TO STDOUT CSV` | not measured (PGlite; set DATABASE_URL) | |",
      `| worker process peak RSS (VmHWM, sampled every 50 ms) | ${Math.round(peakKb / 1024)} MB (${fmt(REPORT_ROWS)} rows) | ≤ 256 MB for 1 M rows ${peakKb <= 256 * 1024 ? "✅" : "❌ miss"} |`,
      `| archive of one 5-minute window (${fmt(WINDOW_EVENTS)} events, read + render + tar.gz + store) | ${archiveS.toFixed(2)} s (${(delivery.bytes! / 1048576).toFixed(1)} MB) | ≤ 5 s for 100 k ${archiveS * (100_000 / WINDOW_EVENTS) <= 5 ? "✅ (scaled)" : "❌ miss (scaled)"} |`,
      "",
    );
    process.stdout.write(`${lines.join("\n")}\n`);
    writeBenchmarkSection("## Worker (packages/worker/bench)", lines.join("\n"));
  } finally {
    await deps.cleanup();
  }
}

await main();
