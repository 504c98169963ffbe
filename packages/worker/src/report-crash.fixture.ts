/**
 * A worker process for reports.resume.test.ts: builds the queued reports of the Postgres database
 * at argv[2] into the local store under argv[3] with small upload parts (a checkpoint every few
 * hundred rows) on argv[5] report threads, so the test can kill it with SIGKILL mid-report. Not
 * part of the service.
 */
import { connectPostgres } from "@activity-log/api/db";
import { createTestDeps } from "@activity-log/api/test-kit";
import { generateReports } from "./reports.ts";

const [url, dataDir, workerId, threads] = process.argv.slice(2);
const deps = await createTestDeps({ database: connectPostgres(url!, 4), dataDir: dataDir! });
process.stdout.write("started\n");
await generateReports(deps, () => new Date(), { workerId: workerId!, partBytes: 16 * 1024, batchSize: 200, threads: Number(threads ?? 1), rowsPerRange: 4000 });
process.stdout.write("finished\n");
await deps.cleanup();
