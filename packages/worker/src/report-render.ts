import { type EventFilter, jsonReportRecordSerialized } from "@activity-log/core";
import { type Database, type EventKey, type KeyRange, streamReportEvents } from "@activity-log/api/db";
import { type DeflatedPiece, deflatePiece } from "./gzip-join.ts";

/** What a report reads: the account, the console filter and the pinned window. */
export interface ReportQuery {
  accountId: string;
  filter: EventFilter;
  window: { start: Date; end: Date };
}

/**
 * One batch of a report's rows, rendered and compressed, with the key of its last row where it is
 * known (a checkpoint is saved only after a batch that has one: the report resumes after that row).
 */
export interface RenderedBatch extends DeflatedPiece {
  rows: number;
  last?: EventKey;
}

export interface RangeJob {
  query: ReportQuery;
  range: KeyRange;
  region: string;
  batchSize: number;
  /** Whether the range starts the report (no comma before the report's first record). */
  startsReport: boolean;
}

/**
 * The rows of one key range as JSON records, rendered and compressed in batches, in feed order.
 * The same function runs in the worker's main thread (PGlite, small reports, resumption without
 * threads) and in report threads, so both paths write the same text. (CSV reports are rendered
 * by the database: report-csv.ts.)
 */
export async function* renderRange(database: Database, job: RangeJob): AsyncIterable<RenderedBatch> {
  let first = job.startsReport;
  for await (const batch of streamReportEvents(database, { ...job.query, range: job.range, batchSize: job.batchSize })) {
    let text = "";
    for (const e of batch.events) {
      text += jsonReportRecordSerialized(e, job.region, first);
      first = false;
    }
    // Compressed here, synchronously: on zlib's thread pool instead it measured no faster (the
    // second core is Postgres's) and cost more CPU (BENCHMARKS.md, "Worker").
    yield { ...deflatePiece(text), rows: batch.events.length, last: batch.last };
  }
}
