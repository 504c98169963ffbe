/**
 * Rules latency (run by `bun run bench`): from an ingest batch's commit to its matching event's
 * webhook arriving at a receiver on loopback, under steady ingest, through the real path — the
 * service's ingest endpoint, the worker loop (every job running, as in `bun run start`), a signed
 * POST. The clock starts when the ingest answer arrives (the batch is committed by then) and stops
 * when the receiver has the request. BENCH_RULES_SECONDS (default 30) of ingest at
 * BENCH_RULES_BATCHES_PER_SECOND (default 10) batches of 20 events, 1 in 10 matching the rule.
 * Writes the "Rules latency" section of BENCHMARKS.md; runs on DATABASE_URL's server, else PGlite.
 */
import { cpus, loadavg } from "node:os";
import { formatWebhookSecret, webhookSecretHint } from "@activity-log/core";
import { writeBenchmarkSection } from "@activity-log/api/benchmarks-file";
import { insertRule, nativeQuery } from "@activity-log/api/db";
import { ensureAccount, startTestServer, TEST_INGEST_TOKEN, testAccountId } from "@activity-log/api/test-kit";
import { startWorkerLoop } from "../src/main.ts";

const SECONDS = Number(process.env.BENCH_RULES_SECONDS ?? 30);
const BATCHES_PER_SECOND = Number(process.env.BENCH_RULES_BATCHES_PER_SECOND ?? 10);
const BATCH = 20;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const loadAtStart = loadavg()[0]!;
  const server = await startTestServer({ storage: "local" });
  const arrived = new Map<string, number>();
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const id = req.headers.get("webhook-id");
      await req.arrayBuffer();
      if (id && !arrived.has(id)) arrived.set(id, performance.now());
      return new Response(null, { status: 204 });
    },
  });
  const deps = server.deps;
  const accountId = await ensureAccount(deps, "bench-rules");
  const secret = formatWebhookSecret(crypto.getRandomValues(new Uint8Array(32)));
  await insertRule(
    deps.database.db,
    {
      accountId,
      name: "terminations",
      filter: { eventName: "TerminateInstances" },
      url: `http://127.0.0.1:${receiver.port}/hook`,
      secretSealed: deps.secrets.encrypt(secret),
      secretHint: webhookSecretHint(secret),
      enabled: true,
      now: new Date(),
    },
    10,
  );
  const loop = startWorkerLoop(deps);
  const committed = new Map<string, number>();
  let seq = 0;
  const ingestOnce = async () => {
    const events = Array.from({ length: BATCH }, (_, i) => {
      const n = ++seq;
      return {
        eventID: `bench-${n}`,
        eventTime: new Date().toISOString(),
        eventName: i % 10 === 0 ? "TerminateInstances" : "DescribeInstances",
        eventSource: "ec2.amazonaws.com",
        recipientAccountId: testAccountId("bench-rules"),
        project: "default",
        userName: "alice",
        requestParameters: { instanceId: `i-${n.toString(16).padStart(17, "0")}` },
      };
    });
    const res = await fetch(`${server.url}/internal/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    const at = performance.now();
    for (const e of events) if (e.eventName === "TerminateInstances") committed.set(e.eventID, at);
  };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  try {
    for (let b = 0; b < SECONDS * BATCHES_PER_SECOND; b++) {
      const due = started + (b * 1000) / BATCHES_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      inFlight.push(ingestOnce());
    }
    await Promise.all(inFlight);
    const deadline = performance.now() + 15_000;
    while (arrived.size < committed.size && performance.now() < deadline) await Bun.sleep(100);
  } finally {
    await loop.stop();
  }
  const latencies = [...committed].map(([id, at]) => (arrived.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  const missing = latencies.filter((l) => !Number.isFinite(l)).length;
  const [counted] = await nativeQuery<{ n: number }>(deps.database, `select count(*)::int as n from rule_deliveries where status = 'delivered'`);
  const delivered = counted?.n ?? 0;
  const kind =
    deps.database.kind === "postgres" ? (await nativeQuery<{ v: string }>(deps.database, `select version() as v`))[0]!.v.split(" on ")[0] : "PGlite (embedded)";
  receiver.stop(true);
  await server.close();
  const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)}` : "∞");
  const section = [
    "## Rules latency (packages/worker/bench/rules-latency.ts)",
    "",
    `Commit of an ingest batch → its matching event's signed webhook received on loopback, through the ingest endpoint and the worker loop ` +
      `(rules polled every second, every other job running). ${SECONDS} s of steady ingest, ${BATCHES_PER_SECOND} batches/s of ${BATCH} events, ` +
      `1 in 10 matching. ${kind}; ${cpus().length} cores, load average ${loadAtStart.toFixed(2)} at start (shared machine). Goal: p95 ≤ 5000 ms.`,
    "",
    "| matching events | delivered | p50 ms | p95 ms | max ms | missing |",
    "|---:|---:|---:|---:|---:|---:|",
    `| ${committed.size} | ${delivered} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(latencies[latencies.length - 1] ?? Number.NaN)} | ${missing} |`,
  ].join("\n");
  writeBenchmarkSection("## Rules latency (packages/worker/bench/rules-latency.ts)", section);
  process.stdout.write(`${section}\n`);
}

await main();
process.exit(0);
