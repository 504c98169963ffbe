/**
 * Report generation: claim a queued report (FOR UPDATE SKIP LOCKED, so any number of workers can
 * run), stream its rows newest first from a server-side cursor, render them with core (CSV with a
 * BOM and header, or `{"Records":[…]}`), gzip them on the fly and upload in parts to the reports
 * bucket as `reports/<account>/<id>.<format>.gz`. Nothing holds more than one batch of rows, so
 * memory stays flat whatever the size. Progress (rows done / estimated) is written at least every
 * second and doubles as the heartbeat: a report whose worker died is claimed again by another.
 */
import {
  CSV_BOM,
  csvHeaderLine,
  csvLineSerialized,
  type EventFilter,
  jsonReportClose,
  jsonReportOpen,
  jsonReportRecordSerialized,
  type ReportFormat,
  type SerializedReportEvent,
} from "@activity-log/core";
import { claimNextReport, estimateEventCount, failReport, finishReport, type ReportRow, streamReportEvents, updateReportProgress } from "@activity-log/api/db";
import type { AppDeps, ObjectStore } from "@activity-log/api/runtime";

export interface ReportRunOptions {
  workerId: string;
  /** Stop after this many reports (the loop takes one at a time per slot; `--once` drains the queue). */
  maxReports?: number;
  /** Rows per database round trip. */
  batchSize?: number;
  /** How often progress is written (ms of real time). */
  progressEveryMs?: number;
}

export interface ReportRunSummary {
  ready: number;
  failed: number;
  abandoned: number;
}

/** Claims and builds queued reports until none is left (or maxReports). */
export async function generateReports(deps: AppDeps, now: () => Date, options: ReportRunOptions): Promise<ReportRunSummary> {
  const summary: ReportRunSummary = { ready: 0, failed: 0, abandoned: 0 };
  const max = options.maxReports ?? Number.POSITIVE_INFINITY;
  for (let n = 0; n < max; n++) {
    const report = await claimNextReport(deps.database, options.workerId, now());
    if (!report) break;
    const outcome = await generateReport(deps, report, now, options);
    summary[outcome]++;
  }
  return summary;
}

class ClaimLost extends Error {}

/** Builds one claimed report; never throws (a failure is recorded on the report). */
async function generateReport(deps: AppDeps, report: ReportRow, now: () => Date, options: ReportRunOptions): Promise<"ready" | "failed" | "abandoned"> {
  const bucket = deps.config.reportsBucket;
  const key = report.objectKey!;
  const format = report.format as ReportFormat;
  const query = { accountId: report.accountId, filter: report.filter as EventFilter, window: { start: report.windowStart, end: report.windowEnd } };
  let rowsDone = 0;
  let claimLost = false;
  let store: ObjectStore | undefined;
  try {
    store = deps.storage.service();
    await ensureBucket(deps, store, bucket);
    const estimated = await estimateEventCount(deps.database, query).catch(() => undefined);
    if (!(await updateReportProgress(deps.database, report.id, options.workerId, { rowsDone: 0, rowsEstimated: estimated, now: now() }))) throw new ClaimLost();

    const progressEvery = options.progressEveryMs ?? 1000;
    let lastProgress = performance.now();
    const rows = streamReportEvents(deps.database, { ...query, batchSize: options.batchSize ?? 2000 });
    const text = renderReport(rows, format, deps.config.region, async (done) => {
      rowsDone = done;
      if (performance.now() - lastProgress < progressEvery) return;
      lastProgress = performance.now();
      if (await updateReportProgress(deps.database, report.id, options.workerId, { rowsDone: done, now: now() })) return;
      claimLost = true;
      throw new ClaimLost();
    });
    let bytes = 0;
    let contentBytes = 0;
    const body = text
      .pipeThrough(new TextEncoderStream())
      .pipeThrough(
        new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
          transform(chunk, controller) {
            contentBytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      )
      .pipeThrough(new CompressionStream("gzip"))
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
    await store.put(bucket, key, body, { contentType: "application/gzip" });
    if (await finishReport(deps.database, report.id, options.workerId, { objectKey: key, bytes, contentBytes, rowsDone, now: now() })) return "ready";
    throw new ClaimLost();
  } catch (error) {
    if (claimLost || error instanceof ClaimLost) {
      // Deleted, replaced or taken over meanwhile: our output must not linger.
      await store?.delete(bucket, key).catch(() => {});
      return "abandoned";
    }
    const reason = `The report could not be built: ${error instanceof Error ? error.message : String(error)}`;
    deps.logger.error("report failed", { report: report.id, error: reason });
    await store?.delete(bucket, key).catch(() => {});
    const recorded = await failReport(deps.database, report.id, options.workerId, reason, now()).catch(() => false);
    return recorded ? "failed" : "abandoned";
  }
}

/**
 * The report's text as a stream: one chunk per batch of rows, pulled only when the consumer (the
 * gzip + upload pipeline) wants more — backpressure all the way down to the database cursor.
 */
function renderReport(
  batches: AsyncIterable<SerializedReportEvent[]>,
  format: ReportFormat,
  region: string,
  onProgress: (rowsDone: number) => Promise<void>,
): ReadableStream<string> {
  const iterator = batches[Symbol.asyncIterator]();
  let started = false;
  let done = 0;
  return new ReadableStream<string>(
    {
      async pull(controller) {
        try {
          await step(controller);
        } catch (error) {
          // Close the database cursor (and free its connection) before the stream fails.
          await iterator.return?.().catch(() => {});
          throw error;
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );

  async function step(controller: ReadableStreamDefaultController<string>): Promise<void> {
    if (!started) {
      started = true;
      controller.enqueue(format === "csv" ? CSV_BOM + csvHeaderLine() : jsonReportOpen);
      return;
    }
    const next = await iterator.next();
    if (next.done) {
      if (format === "json") controller.enqueue(jsonReportClose);
      await onProgress(done);
      controller.close();
      return;
    }
    let chunk = "";
    if (format === "csv") for (const e of next.value) chunk += csvLineSerialized(e, region);
    else for (const e of next.value) chunk += jsonReportRecordSerialized(e, region, done++ === 0);
    if (format === "csv") done += next.value.length;
    controller.enqueue(chunk);
    await onProgress(done);
  }
}

const bucketsReady = new WeakMap<object, Set<string>>();

/** Creates the reports bucket on first use (idempotent on both stores). */
async function ensureBucket(deps: AppDeps, store: ObjectStore, bucket: string): Promise<void> {
  const ready = bucketsReady.get(deps.storage) ?? new Set<string>();
  bucketsReady.set(deps.storage, ready);
  if (ready.has(bucket)) return;
  await store.createBucket(bucket);
  ready.add(bucket);
}
