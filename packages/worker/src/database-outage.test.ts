/**
 * The worker, as its own process (`bun run worker`), outlives the database going away: its jobs
 * fail and are retried, the process keeps running, and once the database is back it does the work
 * queued meanwhile.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_QUOTAS } from "@activity-log/core";
import { createAccount, getReport, requestReport } from "@activity-log/api/db";
import { ingest, startThrowawayPostgres, testEnv, testEvent, type ThrowawayPostgres } from "@activity-log/api/test-kit";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

const cluster = await startThrowawayPostgres();
const unavailable = "unavailable" in cluster ? cluster.unavailable : undefined;
if (unavailable) console.warn(`skipping the worker's database outage test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("worker through a database outage", () => {
  const pg = cluster as ThrowawayPostgres;
  const dataDir = mkdtempSync(join(tmpdir(), "al-worker-outage-"));
  let worker: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">> | undefined;
  let log = "";

  beforeAll(async () => {
    worker = Bun.spawn(["bun", MAIN], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...testEnv(dataDir, { DATABASE_URL: pg.url, LOG_LEVEL: "info" }) },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const decoder = new TextDecoder();
    for (const stream of [worker.stdout, worker.stderr])
      void (async () => {
        const reader = stream.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) log += decoder.decode(r.value);
      })();
    const deadline = Date.now() + 45_000;
    while (!log.includes("worker started") && worker.exitCode === null && Date.now() < deadline) await Bun.sleep(100);
    expect(log).toContain("worker started");
  }, 120_000);
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await worker?.exited;
    await pg.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  test("keeps running while the database is down, then builds the report queued after it came back", async () => {
    await pg.stop();
    // Long enough for every frequent job (reports each second, trails each 5 s, rollups each 10 s) to fail a few times.
    await Bun.sleep(12_000);
    if (worker!.exitCode !== null) throw new Error(`the worker exited (${worker!.exitCode}):\n${log}`);
    expect(log).toContain("failed");
    await pg.start();

    const database = await pg.openDatabase();
    try {
      const { accountId } = await createAccount(database.db, `outage${Math.random().toString(36).slice(2, 8)}`);
      const now = new Date();
      await ingest(database, [testEvent(accountId, new Date(now.getTime() - 60_000))]);
      const report = await requestReport(database, {
        accountId,
        createdBy: "alice",
        format: "csv",
        filter: {},
        window: { start: new Date(now.getTime() - 3_600_000), end: now },
        quotas: DEFAULT_QUOTAS,
        now,
      });
      const deadline = Date.now() + 30_000;
      let status: string = report.status;
      while (status !== "ready" && status !== "failed" && Date.now() < deadline) {
        await Bun.sleep(250);
        status = (await getReport(database, accountId, report.id))?.status ?? "missing";
      }
      expect(status).toBe("ready");
      expect((await getReport(database, accountId, report.id))?.rowsDone).toBe(1);
      expect(worker!.exitCode).toBeNull();
    } finally {
      await database.close();
    }
  }, 120_000);
});
