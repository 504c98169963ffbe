import { afterAll, beforeAll, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { DEFAULT_QUOTAS, REPORT_HEARTBEAT_STALE_MS } from "@activity-log/core";
import { claimNextReport, createAccount, ensurePartitions, getReport, nativeQuery, requestReport } from "@activity-log/api/db";
import { createTestDeps, readObject, T0, type TestDeps } from "@activity-log/api/test-kit";
import { generateReports } from "./reports.ts";

// The dead worker is another process sharing the database: a Postgres server (PGlite is in-process).
const onPostgres = Boolean(process.env.DATABASE_URL);
let deps: TestDeps;
const START = new Date("2026-11-24T08:00:00Z");
const ROWS = 24_000;

beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.cleanup();
});

async function seed(alias: string): Promise<string> {
  const { accountId } = await createAccount(deps.database.db, alias);
  await ensurePartitions(deps.database, START, T0);
  await nativeQuery(
    deps.database,
    `insert into events (account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name,
       access_key_id, source_ip, user_agent, request_parameters, resources, resource_ids, search_text)
     select $1, 'default', $2::timestamptz + (g / 2) * interval '1 millisecond', 'ev-' || md5(g::text),
       (array['RunInstances','StopInstances','PutObject'])[1 + g % 3], 'AwsApiCall', 'ec2.amazonaws.com', false, 'user-' || (g % 7),
       'AKIA' || lpad((g % 5)::text, 16, '0'), '10.0.0.' || (g % 250), 'agent/1.0', jsonb_build_object('instanceId', 'i-' || md5(g::text)),
       jsonb_build_array(jsonb_build_object('type', 'AWS::EC2::Instance', 'name', 'i-' || to_hex(g))), array['i-' || to_hex(g)], ''
     from generate_series(1, $3::int) g`,
    [accountId, START.toISOString(), ROWS],
  );
  return accountId;
}

const queue = (accountId: string, format: "csv" | "json") =>
  requestReport(deps.database, {
    accountId,
    createdBy: "alice",
    format,
    filter: {},
    window: { start: START, end: T0 },
    quotas: { ...DEFAULT_QUOTAS, reportsStored: 10 },
    now: T0,
  });

test.skipIf(!onPostgres).each([
  ["CSV, key ranges on one connection", "csv", { csvConnections: 1 }],
  ["CSV, key ranges on two connections (the default)", "csv", { csvConnections: 2 }],
  ["JSON, report threads", "json", { threads: 2 }],
] as const)(
  "a worker killed with SIGKILL mid-report frees the report within 15 s and the next worker resumes it from its checkpoint: %s",
  async (name, format, options) => {
    const accountId = await seed(`resume-${name.replace(/[^a-z]+/gi, "-").toLowerCase()}`.slice(0, 60));
    const report = await queue(accountId, format);

    // A worker process builds it with small parts and slow uploads (a checkpoint every few thousand rows)…
    const child = Bun.spawn(
      ["bun", new URL("./report-crash.fixture.ts", import.meta.url).pathname, deps.database.url!, deps.dataDir, "doomed", JSON.stringify(options)],
      {
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    // …and is killed once a checkpoint past the first quarter of the rows is saved.
    let row = await getReport(deps.database, accountId, report.id);
    const deadline = Date.now() + 90_000;
    while (((row?.checkpoint as { rowsDone?: number } | null)?.rowsDone ?? 0) < ROWS / 4) {
      if (Date.now() > deadline || (row?.status !== "generating" && row?.status !== "queued"))
        throw new Error(`no checkpoint to kill at: ${JSON.stringify(row)}`);
      await Bun.sleep(10);
      row = await getReport(deps.database, accountId, report.id);
    }
    child.kill("SIGKILL");
    await child.exited;
    row = (await getReport(deps.database, accountId, report.id))!;
    expect(row.status).toBe("generating");
    expect(row.claimedBy).toBe("doomed");
    const saved = row.checkpoint as { rowsDone: number; uploadId: string; parts: unknown[] };
    expect(saved.rowsDone).toBeGreaterThan(0);
    expect(saved.rowsDone).toBeLessThan(ROWS);
    // The dead worker's first uploaded part, as the local store keeps it until the upload completes.
    const [firstPartPath] = [...new Bun.Glob(`**/.upload-${saved.uploadId}/1`).scanSync({ cwd: deps.dataDir, dot: true })];
    const firstPart = new Uint8Array(await Bun.file(`${deps.dataDir}/${firstPartPath}`).arrayBuffer());
    expect(firstPart.byteLength).toBeGreaterThan(16 * 1024 - 1);

    // Driven by the clock: not yet taken over 1 s before the claim goes stale, taken over after 15 s.
    const beat = row.heartbeatAt!.getTime();
    expect(REPORT_HEARTBEAT_STALE_MS).toBeLessThanOrEqual(15_000);
    expect(await claimNextReport(deps.database, "too-early", new Date(beat + REPORT_HEARTBEAT_STALE_MS - 1000))).toBeNull();
    const after = () => new Date(beat + REPORT_HEARTBEAT_STALE_MS + 1);
    const summary = await generateReports(deps, after, { workerId: "heir", partBytes: 16 * 1024, batchSize: 500, rowsPerRange: 5000, ...options });
    expect(summary).toEqual({ ready: 1, failed: 0, abandoned: 0, resumed: 1 });
    const done = (await getReport(deps.database, accountId, report.id))!;
    expect(done).toMatchObject({ status: "ready", rowsDone: ROWS, checkpoint: null });
    const gz = await readObject(deps.storage.service(), deps.config.reportsBucket, done.objectKey!);
    // Resumed, not rebuilt: the file continues the dead worker's upload, whose parts it begins with.
    expect(Buffer.from(gz.subarray(0, firstPart.byteLength)).equals(Buffer.from(firstPart))).toBe(true);
    const resumed = gunzipSync(gz).toString("utf8");

    // The same report built in one go from row 0: the resumed file holds the same text (no row lost or repeated).
    const fresh = await queue(accountId, format);
    expect(await generateReports(deps, () => T0, { workerId: "fresh", threads: 1 })).toEqual({ ready: 1, failed: 0, abandoned: 0, resumed: 0 });
    const freshRow = (await getReport(deps.database, accountId, fresh.id))!;
    const expected = gunzipSync(await readObject(deps.storage.service(), deps.config.reportsBucket, freshRow.objectKey!)).toString("utf8");
    expect(resumed.length).toBe(expected.length);
    expect(resumed === expected).toBe(true);
    // No upload left behind in the bucket's directory.
    const objects = (await deps.storage.service().list(deps.config.reportsBucket, "")).map((o) => o.key).filter((k) => k.includes(`/${accountId}/`));
    expect(objects.sort()).toEqual([done.objectKey!, freshRow.objectKey!].sort());
    expect(done.objectKey).toContain(`/${accountId}/`);
  },
  120_000,
);
