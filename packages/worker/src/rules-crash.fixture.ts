/**
 * A worker process for rules.test.ts: runs one rules pass (match, then send) against the Postgres
 * database at argv[2] as of argv[4], so the test can kill it with SIGKILL while a webhook request is
 * in flight. Not part of the service.
 */
import { connectPostgres } from "@activity-log/api/db";
import { createTestDeps } from "@activity-log/api/test-kit";
import { runRules } from "./rules.ts";

const [url, dataDir, now] = process.argv.slice(2);
const deps = await createTestDeps({ database: connectPostgres(url!, 2), dataDir: dataDir! });
await runRules(deps, new Date(now!));
await deps.cleanup();
