/**
 * A worker process for reports-resume.test.ts: builds the queued reports of the Postgres database
 * at argv[2] into the local store under argv[3] with small upload parts (a checkpoint every few
 * thousand rows), with the report options in argv[5] (JSON), so the test can kill it with SIGKILL
 * mid-report. Each part's upload takes 250 ms more, as to a slow store: rendered by Postgres, the
 * test's report would otherwise be done before the test could kill it. Not part of the service.
 */
import { connectPostgres } from "@activity-log/api/db";
import type { ObjectStore } from "@activity-log/api/runtime";
import { createTestDeps } from "@activity-log/api/test-kit";
import { generateReports, type ReportRunOptions } from "./reports.ts";

const [url, dataDir, workerId, options] = process.argv.slice(2);
const deps = await createTestDeps({ database: connectPostgres(url!, 4), dataDir: dataDir! });
const slow = (store: ObjectStore): ObjectStore => {
  const multipart = store.multipart!;
  const wrapped: ObjectStore = Object.create(store);
  wrapped.multipart = {
    create: (...args) => multipart.create(...args),
    uploadPart: async (...args) => {
      await Bun.sleep(250);
      return multipart.uploadPart(...args);
    },
    complete: (...args) => multipart.complete(...args),
    abort: (...args) => multipart.abort(...args),
  };
  return wrapped;
};
const storage: typeof deps.storage = Object.create(deps.storage);
storage.service = () => slow(deps.storage.service());
const slowDeps = { ...deps, storage };
process.stdout.write("started\n");
await generateReports(slowDeps, () => new Date(), {
  workerId: workerId!,
  partBytes: 16 * 1024,
  batchSize: 200,
  rowsPerRange: 4000,
  ...(JSON.parse(options ?? "{}") as Partial<ReportRunOptions>),
});
process.stdout.write("finished\n");
await deps.cleanup();
