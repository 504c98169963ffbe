/**
 * Report generation: claim a queued report (FOR UPDATE SKIP LOCKED, so any number of workers can
 * run), read its rows newest first, render them (CSV with a BOM and header, or `{"Records":[…]}`),
 * gzip them and upload in parts to the reports bucket as `reports/<account>/<id>.<format>.gz`.
 *
 * CSV is rendered by the database (report-csv.ts): on Postgres the report's key ranges, of equal
 * row counts, are each one `COPY … TO STDOUT CSV`, two at once on connections of their own, and
 * this thread only finishes and compresses the text. JSON is rendered here by core, in report
 * threads (Bun Workers) for a large report only if asked for (off by default, see ReportRunOptions).
 * Either way the text is compressed in independent sync-flushed deflate pieces (gzip-join.ts), so
 * the pieces join into one gzip stream and a report can resume mid-stream. Memory is bounded by
 * the ranges in flight and one upload part.
 *
 * Liveness and resumption: a timer renews the claim every REPORT_HEARTBEAT_EVERY_MS, so a dead
 * worker's report is taken over after REPORT_HEARTBEAT_STALE_MS. After each uploaded part the
 * worker saves a checkpoint (the multipart upload, its parts, the key of the last row written and
 * the gzip totals); a part ends where that key is known (for CSV on Postgres, at a key range's
 * end). The worker that takes a report over continues the same upload from that row.
 */
import { CSV_BOM, csvHeaderLine, jsonReportClose, jsonReportOpen, REPORT_HEARTBEAT_EVERY_MS, type ReportFormat } from "@activity-log/core";
import {
  claimNextReport,
  estimateEventCount,
  type EventKey,
  failReport,
  finishReport,
  isReportClaimedByOther,
  planKeyRanges,
  renewReportClaim,
  type ReportRow,
  saveReportCheckpoint,
  updateReportProgress,
} from "@activity-log/api/db";
import { type AppDeps, type ObjectStore, StorageError } from "@activity-log/api/runtime";
import { addPiece, deflatePiece, GZIP_HEADER, type GzipTotals, gzipTrailer } from "./gzip-join.ts";
import { type RenderedBatch, type ReportQuery, renderRange } from "./report-render.ts";
import { renderCsv } from "./report-csv.ts";
import { renderRangesInThreads } from "./report-threads.ts";

export interface ReportRunOptions {
  workerId: string;
  /** Stop after this many reports (the loop takes one at a time per slot; `--once` drains the queue). */
  maxReports?: number;
  /** Rows per database round trip. */
  batchSize?: number;
  /** How often progress is written (ms of real time). */
  progressEveryMs?: number;
  /**
   * Connections a CSV report on Postgres streams its key ranges on at once (default 2: the server
   * renders the rows, one range per core of this 2-core machine; 1 = one range at a time).
   */
  csvConnections?: number;
  /**
   * Report threads for JSON reports on Postgres (default 1: the main thread renders and compresses). More
   * split a large report into key ranges rendered by Bun Workers. On the quiet 2-core machine of
   * BENCHMARKS.md two threads build a 1 M-row report 1.2–1.4 × faster than one, but the worker's
   * peak RSS then passes its 256 MB budget (267–290 MB against 233), and on a loaded machine they
   * were slower; so they stay off by default.
   */
  threads?: number;
  /**
   * Rows per key range (default 50,000): where a CSV report's checkpoints fall on Postgres, and what
   * a report thread renders at a time (a JSON report under two ranges stays in the main thread).
   */
  rowsPerRange?: number;
  /** Compressed bytes per uploaded part: the most a crash can cost (default 8 MiB; S3 wants ≥ 5 MiB). */
  partBytes?: number;
}

export interface ReportRunSummary {
  ready: number;
  failed: number;
  abandoned: number;
  /** Reports taken over from a dead worker and continued from its checkpoint. */
  resumed: number;
}

/** Where a report's upload stands: saved after each part, read back by the worker that takes it over. */
interface ReportCheckpoint {
  uploadId: string;
  parts: { partNumber: number; etag: string }[];
  rowsDone: number;
  /** The last row in the uploaded parts; the rest of the report is the rows after it. */
  after: EventKey;
  /** Uncompressed CRC-32 and length so far, and compressed bytes uploaded. */
  crc: number;
  length: number;
  bytes: number;
}

/** Claims and builds queued reports until none is left (or maxReports). */
export async function generateReports(deps: AppDeps, now: () => Date, options: ReportRunOptions): Promise<ReportRunSummary> {
  const summary: ReportRunSummary = { ready: 0, failed: 0, abandoned: 0, resumed: 0 };
  const max = options.maxReports ?? Number.POSITIVE_INFINITY;
  for (let n = 0; n < max; n++) {
    const report = await claimNextReport(deps.database, options.workerId, now());
    if (!report) break;
    if (checkpointOf(report)) summary.resumed++;
    const outcome = await generateReport(deps, report, now, options);
    summary[outcome]++;
  }
  return summary;
}

class ClaimLost extends Error {}

/** The report's checkpoint if it has a usable one (it is written by this module only, but check its shape). */
function checkpointOf(report: ReportRow): ReportCheckpoint | undefined {
  const c = report.checkpoint as Partial<ReportCheckpoint> | null;
  if (!c || typeof c.uploadId !== "string" || !Array.isArray(c.parts) || typeof c.rowsDone !== "number" || !c.after) return undefined;
  if (typeof c.crc !== "number" || typeof c.length !== "number" || typeof c.bytes !== "number") return undefined;
  return c as ReportCheckpoint;
}

/** Builds one claimed report; never throws (a failure is recorded on the report). */
async function generateReport(deps: AppDeps, report: ReportRow, now: () => Date, options: ReportRunOptions): Promise<"ready" | "failed" | "abandoned"> {
  const bucket = deps.config.reportsBucket;
  const key = report.objectKey!;
  let checkpoint = checkpointOf(report);
  let claimLost = false;
  let store: ObjectStore | undefined;
  let uploadId: string | undefined;
  // Liveness on its own timer: a long query or a slow upload must not look like a dead worker.
  const heartbeat = setInterval(() => {
    renewReportClaim(deps.database, report.id, options.workerId, now())
      .then((held) => {
        if (!held) claimLost = true;
      })
      .catch(() => {});
  }, REPORT_HEARTBEAT_EVERY_MS);
  try {
    store = deps.storage.service();
    await ensureBucket(deps, store, bucket);
    const build = new ReportBuild(deps, report, now, options, () => claimLost);
    for (;;) {
      try {
        const result = await build.run(store, checkpoint, (id) => (uploadId = id));
        if (
          await finishReport(deps.database, report.id, options.workerId, {
            objectKey: key,
            bytes: result.bytes,
            contentBytes: result.contentBytes,
            rowsDone: result.rowsDone,
            now: now(),
          })
        )
          return "ready";
        throw new ClaimLost();
      } catch (error) {
        // The upload a checkpoint names is gone (aborted, expired): build the report again from row 0.
        if (checkpoint && error instanceof StorageError && error.code === "NoSuchUpload") {
          deps.logger.info("report upload gone, rebuilding", { report: report.id });
          checkpoint = undefined;
          continue;
        }
        throw error;
      }
    }
  } catch (error) {
    if (claimLost || error instanceof ClaimLost) {
      // Deleted, replaced, or taken over after a stall. A worker that took it over continues our
      // upload; otherwise our output must not linger.
      if (!(await isReportClaimedByOther(deps.database, report.id, options.workerId).catch(() => true))) await discard(store, bucket, key, uploadId);
      return "abandoned";
    }
    const reason = `The report could not be built: ${error instanceof Error ? error.message : String(error)}`;
    deps.logger.error("report failed", { report: report.id, error: reason });
    await discard(store, bucket, key, uploadId);
    const recorded = await failReport(deps.database, report.id, options.workerId, reason, now()).catch(() => false);
    return recorded ? "failed" : "abandoned";
  } finally {
    clearInterval(heartbeat);
  }
}

async function discard(store: ObjectStore | undefined, bucket: string, key: string, uploadId: string | undefined): Promise<void> {
  if (!store) return;
  if (uploadId) await store.multipart?.abort(bucket, key, uploadId).catch(() => {});
  await store.delete(bucket, key).catch(() => {});
}

/** One attempt at writing a report's object, from its start or from a checkpoint. */
class ReportBuild {
  private readonly query: ReportQuery;
  private readonly format: ReportFormat;
  private lastProgress = performance.now();

  constructor(
    private readonly deps: AppDeps,
    private readonly report: ReportRow,
    private readonly now: () => Date,
    private readonly options: ReportRunOptions,
    private readonly claimLost: () => boolean,
  ) {
    this.query = { accountId: report.accountId, filter: report.filter as ReportQuery["filter"], window: { start: report.windowStart, end: report.windowEnd } };
    this.format = report.format as ReportFormat;
  }

  /** Builds and stores the report; `contentBytes` is the size of what a download gives (the gzip trailer's length). */
  async run(
    store: ObjectStore,
    from: ReportCheckpoint | undefined,
    onUpload: (uploadId: string) => void,
  ): Promise<{ bytes: number; contentBytes: number; rowsDone: number }> {
    const estimated = await estimateEventCount(this.deps.database, this.query).catch(() => undefined);
    await this.progress(from?.rowsDone ?? 0, estimated, true);
    const batches = await this.batches(from, estimated);
    const opening = from ? [] : [GZIP_HEADER, this.piece(this.format === "csv" ? CSV_BOM + csvHeaderLine() : jsonReportOpen)];
    const written = store.multipart ? await this.writeInParts(store, from, opening, batches, onUpload) : await this.writeStream(store, opening, batches);
    return { ...written, contentBytes: this.totals.length };
  }

  private totals: GzipTotals = { crc: 0, length: 0 };
  private piece(text: string): Uint8Array {
    const p = deflatePiece(text);
    this.totals = addPiece(this.totals, p);
    return p.bytes;
  }

  /**
   * The report's rows (after the checkpoint) as compressed batches in feed order. CSV: rendered by
   * the database (report-csv.ts), a large report on Postgres in key ranges on several connections.
   * JSON: rendered here, in report threads for a large report on Postgres if asked for.
   */
  private async batches(from: ReportCheckpoint | undefined, estimated: number | undefined): Promise<AsyncIterable<RenderedBatch>> {
    const database = this.deps.database;
    const rowsPerRange = this.options.rowsPerRange ?? 50_000;
    const batchSize = this.options.batchSize ?? 2000;
    if (this.format === "csv") {
      const connections = this.options.csvConnections ?? 2;
      // Key ranges on Postgres whatever the estimate (it can be stale): a checkpoint is saved where a
      // range ends, so they also bound what a crash costs.
      const ranges = database.pg ? await planKeyRanges(database, this.query, rowsPerRange, from?.after) : [from ? { after: from.after } : {}];
      return renderCsv(database, { ...this.query, region: this.deps.config.region }, ranges, { connections, batchSize });
    }
    const threads = this.options.threads ?? 1;
    const large = database.pg !== undefined && (estimated ?? 0) >= 2 * rowsPerRange;
    const job = { query: this.query, region: this.deps.config.region, batchSize };
    const startsReport = (from?.rowsDone ?? 0) === 0;
    if (large && database.url && threads > 1) {
      const ranges = await planKeyRanges(database, this.query, rowsPerRange, from?.after);
      if (ranges.length > 1) return renderRangesInThreads(database.url, ranges, job, { threads, firstStartsReport: startsReport });
    }
    return renderRange(database, { ...job, range: from ? { after: from.after } : {}, startsReport });
  }

  /** Multipart upload with a checkpoint after every part (resumable). */
  private async writeInParts(
    store: ObjectStore,
    from: ReportCheckpoint | undefined,
    opening: Uint8Array[],
    batches: AsyncIterable<RenderedBatch>,
    onUpload: (uploadId: string) => void,
  ): Promise<{ bytes: number; rowsDone: number }> {
    const multipart = store.multipart!;
    const { reportsBucket: bucket } = this.deps.config;
    const key = this.report.objectKey!;
    const partBytes = this.options.partBytes ?? 8 * 1024 * 1024;
    const uploadId = from?.uploadId ?? (await multipart.create(bucket, key, { contentType: "application/gzip" }));
    onUpload(uploadId);
    const parts = [...(from?.parts ?? [])];
    let rowsDone = from?.rowsDone ?? 0;
    let bytes = from?.bytes ?? 0;
    if (from) this.totals = { crc: from.crc, length: from.length };
    let buffer: Uint8Array[] = [...opening];
    let buffered = opening.reduce((n, b) => n + b.byteLength, 0);
    const upload = async () => {
      const body = concat(buffer, buffered);
      buffer = [];
      buffered = 0;
      parts.push(await multipart.uploadPart(bucket, key, uploadId, parts.length + 1, body));
      bytes += body.byteLength;
    };
    for await (const batch of batches) {
      if (this.claimLost()) throw new ClaimLost();
      buffer.push(batch.bytes);
      buffered += batch.bytes.byteLength;
      this.totals = addPiece(this.totals, batch);
      rowsDone += batch.rows;
      // A part ends where a batch's last row is known: the checkpoint says where to resume.
      if (buffered >= partBytes && batch.last) {
        await upload();
        const checkpoint: ReportCheckpoint = { uploadId, parts, rowsDone, after: batch.last, ...this.totals, bytes };
        if (!(await saveReportCheckpoint(this.deps.database, this.report.id, this.options.workerId, { checkpoint, now: this.now() }))) throw new ClaimLost();
        this.lastProgress = performance.now();
      } else await this.progress(rowsDone);
    }
    if (this.format === "json") buffer.push(this.piece(jsonReportClose));
    buffer.push(gzipTrailer(this.totals));
    buffered = buffer.reduce((n, b) => n + b.byteLength, 0);
    await upload();
    if (this.claimLost()) throw new ClaimLost();
    await multipart.complete(bucket, key, uploadId, parts);
    return { bytes, rowsDone };
  }

  /** One streamed upload, for stores without multipart uploads (not resumable). */
  private async writeStream(store: ObjectStore, opening: Uint8Array[], batches: AsyncIterable<RenderedBatch>): Promise<{ bytes: number; rowsDone: number }> {
    let rowsDone = 0;
    let bytes = 0;
    const self = this;
    async function* body(): AsyncIterable<Uint8Array> {
      for (const b of opening) yield b;
      for await (const batch of batches) {
        if (self.claimLost()) throw new ClaimLost();
        self.totals = addPiece(self.totals, batch);
        rowsDone += batch.rows;
        yield batch.bytes;
        await self.progress(rowsDone);
      }
      if (self.format === "json") yield self.piece(jsonReportClose);
      yield gzipTrailer(self.totals);
    }
    const iterator = body()[Symbol.asyncIterator]();
    const source = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    const counted = source.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    await store.put(this.deps.config.reportsBucket, this.report.objectKey!, counted, { contentType: "application/gzip" });
    return { bytes, rowsDone };
  }

  /** Writes rows done at most every progressEveryMs (also renews the claim); throws ClaimLost when it is gone. */
  private async progress(rowsDone: number, rowsEstimated?: number, force = false): Promise<void> {
    if (!force && performance.now() - this.lastProgress < (this.options.progressEveryMs ?? 1000)) return;
    this.lastProgress = performance.now();
    const p = { rowsDone, now: this.now(), ...(rowsEstimated === undefined ? {} : { rowsEstimated }) };
    if (!(await updateReportProgress(this.deps.database, this.report.id, this.options.workerId, p))) throw new ClaimLost();
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
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
