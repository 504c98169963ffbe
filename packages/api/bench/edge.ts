/**
 * Edge benchmark (`bun run bench`): LookupEvents through the edge bundle in workerd vs the Bun
 * server, against the same database (its own, on DATABASE_URL) in one run, alternated call by call
 * with the real JS SDK. Also the statements each runtime sends per call, from Postgres's own
 * counters. Writes the "CloudTrail API on the edge" section of BENCHMARKS.md.
 *
 * The Worker opens a connection per request; on Cloudflare it reaches Hyperdrive, which keeps warm
 * server connections. Here pgbouncer (session pooling, `apt-get install pgbouncer`) stands in for
 * Hyperdrive when installed; workerd connecting straight to Postgres is measured as well.
 * BENCH_EDGE_RUNS (default 200) calls per runtime; BENCH_EDGE_EVENTS (default 20,000) events.
 */
import { cpus, loadavg, tmpdir } from "node:os";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import postgres from "postgres";
import { buildEdgeBundle } from "../edge/build.ts";
import { startWorkerd } from "../edge/workerd.ts";
import { openDatabase } from "../src/db/client.ts";
import { insertEvents } from "../src/db/events.ts";
import { addToGroup, createAccessKey, createAccount } from "../src/db/iam.ts";
import { startServer } from "../src/server.ts";
import { testEvent } from "../src/test-kit/events.ts";
import { writeBenchmarkSection } from "./benchmarks-file.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("bench needs DATABASE_URL (a Postgres server; it creates and drops its own database)");
  process.exit(1);
}
const RUNS = Number(process.env.BENCH_EDGE_RUNS ?? 200);
const EVENTS = Number(process.env.BENCH_EDGE_EVENTS ?? 20_000);
const COUNTED_CALLS = 50;
const SECRET_KEY = "bench-edge-secret-key-0123456789";
const REGION = "ru-msk";
/** Generous on both runtimes: the benchmark measures latency, not the limiter. */
const NO_LIMIT = { ratePerSecond: 1_000_000, burst: 1_000_000 };

const log = (m: string) => console.error(`[bench:edge] ${m}`);
const started = new Date();
const dbName = `al_bench_edge_${Date.now().toString(36)}`;
const admin = postgres(url, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${dbName}"`);
const benchUrl = new URL(url);
benchUrl.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), "al-bench-edge-"));
const outDir = mkdtempSync(join(tmpdir(), "al-bench-edge-build-"));
const cleanups: (() => Promise<unknown>)[] = [];

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => log(`cleanup: ${e}`));
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
}

async function main() {
  const database = await openDatabase({ url: benchUrl.toString(), poolSize: 4 });
  cleanups.push(() => database.close());
  const { accountId, systemUser } = await createAccount(database.db, "bench-edge");
  await addToGroup(database.db, accountId, systemUser, "default");
  const server = await startServer({
    env: {
      DATABASE_URL: benchUrl.toString(),
      SECRET_KEY,
      INGEST_TOKEN: "bench-ingest-token-0123456789",
      OPERATOR_TOKEN: "bench-operator-token-012345",
      REGION,
      DEMO: "0",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
    },
    port: 0,
    webDir: null,
    database,
  });
  cleanups.push(() => server.stop());
  server.deps.cloudtrailRateLimit = NO_LIMIT;
  const pair = await createAccessKey(database.db, server.deps.secrets, accountId, systemUser, "default");

  log(`inserting ${EVENTS} events over the last day…`);
  const now = Date.now();
  for (let i = 0; i < EVENTS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) =>
      testEvent(accountId, now - ((i + j + 1) * 86_000_000) / EVENTS, {
        eventName: (i + j) % 10 === 0 ? "StopInstances" : "DescribeInstances",
        readOnly: (i + j) % 10 !== 0,
      }),
    );
    await insertEvents(database, batch);
  }
  await database.pg!.unsafe("vacuum analyze events");

  log("building the edge bundle and starting workerd…");
  const build = await buildEdgeBundle(outDir);
  if (build.errors.length + build.forbiddenImports.length + build.runtimeGlobals.length > 0)
    throw new Error("the edge bundle does not build cleanly: bun run edge:build");
  const edgeOn = async (databaseUrl: string) => {
    const w = await startWorkerd({
      bundlePath: build.path,
      port: 0,
      bindings: {
        DATABASE_URL: databaseUrl,
        SECRET_KEY,
        REGION,
        S3_ENDPOINT: "http://127.0.0.1:9",
        LOG_LEVEL: "silent",
        CLOUDTRAIL_RATE_LIMIT: `${NO_LIMIT.ratePerSecond}/${NO_LIMIT.burst}`,
      },
    });
    cleanups.push(() => w.stop());
    return w;
  };
  const pooled = await startPgbouncer(benchUrl);
  const client = (endpoint: string) =>
    new CloudTrailClient({ endpoint, region: REGION, credentials: { accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey }, maxAttempts: 1 });
  const runtimes = [
    { name: "Bun server (pool of 4)", client: client(server.url) },
    ...(pooled ? [{ name: "workerd via pgbouncer (Hyperdrive's part)", client: client((await edgeOn(pooled)).url) }] : []),
    { name: "workerd, a direct connection per call", client: client((await edgeOn(benchUrl.toString())).url) },
  ];
  if (!pooled) log("pgbouncer is not installed (apt-get install pgbouncer): measuring workerd on direct connections only");
  cleanups.push(async () => {
    for (const r of runtimes) r.client.destroy();
  });
  const queries: LookupEventsCommandInput[] = [
    { MaxResults: 50 },
    { MaxResults: 50, LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "StopInstances" }] },
  ];

  // Statements per call: Postgres counts a committed transaction per statement outside a transaction.
  // A new server connection commits one transaction of its own at start-up: counted apart.
  const statements: { perCall: number; connectionsPerCall: number }[] = [];
  for (const r of runtimes) {
    await r.client.send(new LookupEventsCommand(queries[0]!));
    const before = await counters();
    for (let i = 0; i < COUNTED_CALLS; i++) await r.client.send(new LookupEventsCommand(queries[i % 2]!));
    const after = await counters();
    const sessions = after.sessions - before.sessions;
    statements.push({ perCall: (after.commits - before.commits - sessions) / COUNTED_CALLS, connectionsPerCall: sessions / COUNTED_CALLS });
  }

  log(`warming up, then ${RUNS} LookupEvents per runtime, alternated…`);
  for (let i = 0; i < 20; i++) for (const r of runtimes) await r.client.send(new LookupEventsCommand(queries[i % 2]!));
  const times: number[][] = runtimes.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    // Rotate which runtime goes first, so none always follows another.
    const order = runtimes.map((_, k) => (k + i) % runtimes.length);
    for (const k of order) {
      const t = performance.now();
      const out = await runtimes[k]!.client.send(new LookupEventsCommand(queries[i % 2]!));
      times[k]!.push(performance.now() - t);
      if (!out.Events?.length) throw new Error(`${runtimes[k]!.name}: LookupEvents found nothing`);
    }
  }
  const stats = times.map((t) => ({ p50: percentile(t, 0.5), p95: percentile(t, 0.95) }));
  // The goal is for the deployment's shape: the Worker behind a pool (Hyperdrive; here pgbouncer).
  const ratio = stats[1]!.p50 / stats[0]!.p50;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  const section = [
    "## CloudTrail API on the edge (packages/api/bench/edge.ts)",
    "",
    `Run ${started.toISOString()} · ${cpus().length} CPUs (${cpus()[0]?.model.split(" ").slice(0, 2).join(" ")}) · load average at the end ${load} (1 / 5 / 15 min) · ${EVENTS.toLocaleString("en-US")} events in one account over the last day · ${RUNS} LookupEvents per runtime (50 events, alternately unfiltered and EventName), the runtimes taking turns call by call, same database, JS SDK client on the same machine.`,
    "",
    "| runtime | p50 ms | p95 ms | p50 ratio | statements per LookupEvents | new server connections per call |",
    "|---|---|---|---|---|---|",
    ...runtimes.map(
      (r, k) =>
        `| ${r.name} | ${fmt(stats[k]!.p50)} | ${fmt(stats[k]!.p95)} | ${(stats[k]!.p50 / stats[0]!.p50).toFixed(2)} | ${statements[k]!.perCall.toFixed(2)} | ${statements[k]!.connectionsPerCall.toFixed(2)} |`,
    ),
    "",
    `${runtimes[1]!.name}: p50 = ${ratio.toFixed(2)} × the Bun server's (goal ≤ 1.5 ×) ${ratio <= 1.5 ? "✅" : "❌"}.`,
    `Statements are Postgres's committed transactions (less one per new server connection, its start-up) over ${COUNTED_CALLS} calls per runtime: ` +
      "the caller (key, user, groups, subscription, quotas and, on the edge, the account's recent calls for the rate limit) in one, the page in one, the record of the call in one (8 before the caller took one statement); " +
      "behind pgbouncer Postgres also sees the pooler's own two per client session (a parameter SET and the DISCARD ALL that resets the connection for the next client). " +
      "The Worker opens a database connection per request; on Cloudflare that is a connection to Hyperdrive, which keeps warm server connections, and pgbouncer in session mode plays that part here. " +
      "A direct connection per call pays a TCP connect, a Postgres backend start and a cold catalogue cache each time: that row is what running without Hyperdrive would cost. " +
      "The machine was shared with other work during the run (see the load average): compare the rows with each other rather than with other sections.",
    "",
  ].join("\n");
  writeBenchmarkSection("## CloudTrail API on the edge (packages/api/bench/edge.ts)", section);
  console.log(section);
}

async function counters(): Promise<{ commits: number; sessions: number }> {
  // Backends report their counters at most once a second, and idle ones within ~10 s.
  await Bun.sleep(11_000);
  const [row] = await admin.unsafe<{ commits: string; sessions: string }[]>(
    `select xact_commit::text as commits, sessions::text as sessions from pg_stat_database where datname = $1`,
    [dbName],
  );
  return { commits: Number(row?.commits ?? 0), sessions: Number(row?.sessions ?? 0) };
}

/** pgbouncer in session mode in front of the bench database, as Hyperdrive is in front of the real one; null when not installed. */
async function startPgbouncer(target: URL): Promise<string | null> {
  const binary = Bun.which("pgbouncer") ?? (Bun.file("/usr/sbin/pgbouncer").size ? "/usr/sbin/pgbouncer" : null);
  if (!binary) return null;
  const dir = mkdtempSync(join(tmpdir(), "al-pgbouncer-"));
  chmodSync(dir, 0o755);
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  const user = decodeURIComponent(target.username || "postgres");
  writeFileSync(join(dir, "users.txt"), `"${user}" "${decodeURIComponent(target.password)}"\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = session",
      "server_reset_query = DISCARD ALL",
      "max_client_conn = 200",
      "default_pool_size = 8",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  // pgbouncer refuses to run as root: as root, it is told to switch to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const child = Bun.spawn([binary, ...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], { stdout: "ignore", stderr: "ignore" });
  cleanups.push(async () => {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const pooled = new URL(target);
  pooled.port = String(port);
  for (let i = 0; i < 50; i++) {
    const probeClient = postgres(pooled.toString(), { max: 1, fetch_types: false, connect_timeout: 1 });
    const ok = await probeClient`select 1`.then(
      () => true,
      () => false,
    );
    await probeClient.end();
    if (ok) return pooled.toString();
    await Bun.sleep(100);
  }
  throw new Error("pgbouncer did not start");
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
