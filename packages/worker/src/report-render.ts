import { csvLineSerialized, type EventFilter, jsonReportRecordSerialized, type ReportFormat } from "@activity-log/core";
import { type Database, type EventKey, type KeyRange, streamReportEvents } from "@activity-log/api/db";
import { type DeflatedPiece, deflatePieceAsync } from "./gzip-join.ts";

/** What a report reads: the account, the console filter and the pinned window. */
export interface ReportQuery {
  accountId: string;
  filter: EventFilter;
  window: { start: Date; end: Date };
}

/** One batch of a report's rows, rendered and compressed, with the key of its last row. */
export interface RenderedBatch extends DeflatedPiece {
  rows: number;
  last: EventKey;
}

export interface RangeJob {
  query: ReportQuery;
  range: KeyRange;
  format: ReportFormat;
  region: string;
  batchSize: number;
  /** Whether the range starts the report (JSON writes no comma before the report's first record). */
  startsReport: boolean;
}

/**
 * The rows of one key range as rendered, compressed batches, in feed order. The same function runs
 * in the worker's main thread (PGlite, small reports, resumption without threads) and in report
 * threads, so both paths write the same text.
 */
export async function* renderRange(database: Database, job: RangeJob): AsyncIterable<RenderedBatch> {
  let first = job.startsReport;
  // One batch compresses on zlib's thread pool while the next is read and rendered here.
  let pending: Promise<RenderedBatch> | undefined;
  try {
    for await (const batch of streamReportEvents(database, { ...job.query, range: job.range, batchSize: job.batchSize })) {
      let text = "";
      if (job.format === "csv") for (const e of batch.events) text += csvLineSerialized(e, job.region);
      else
        for (const e of batch.events) {
          text += jsonReportRecordSerialized(e, job.region, first);
          first = false;
        }
      const rows = batch.events.length;
      const last = batch.last;
      const next = deflatePieceAsync(text).then((piece) => ({ ...piece, rows, last }));
      if (pending) yield await pending;
      pending = next;
    }
    if (pending) yield await pending;
  } finally {
    // Stopped early or failed: a compression still running must not reject unobserved.
    pending?.catch(() => {});
  }
}
