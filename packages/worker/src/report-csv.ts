import { finished } from "node:stream/promises";
import { connectPostgres, type Database, type EventKey, finishReportCsv, type KeyRange, reportCsvCopySql, reportCsvPage } from "@activity-log/api/db";
import { deflatePiece } from "./gzip-join.ts";
import { inRangeOrder } from "./ordered-ranges.ts";
import type { RenderedBatch, ReportQuery } from "./report-render.ts";

/** Uncompressed bytes per compressed piece: while one is compressed the COPYs wait, so pieces are kept short. */
const PIECE_BYTES = 256 * 1024;

/**
 * A CSV report's rows (header not included) as compressed pieces in feed order, rendered by
 * Postgres (api db/report-csv.ts).
 *
 * On Postgres each key range is one `COPY … TO STDOUT CSV` on a connection of the report's own,
 * and `connections` ranges stream at once, so the server renders on as many cores while this
 * thread only finishes and compresses the text. Pieces are handed out in range order; a range may
 * run at most `connections` ranges ahead of the one being written, so memory is bounded by the
 * compressed size of the ranges in flight. A range's last piece carries the key of its last row
 * (a checkpoint can resume after it); the pieces before it carry none.
 *
 * On PGlite: keyset pages of `batchSize` rows, each piece ending at a known key.
 */
export async function* renderCsv(
  database: Database,
  query: ReportQuery & { region: string },
  ranges: KeyRange[],
  options: { connections: number; batchSize: number },
): AsyncIterable<RenderedBatch> {
  if (database.pg && database.url) {
    yield* copyRanges(database.url, query, ranges, options.connections);
    return;
  }
  if (ranges.length !== 1 || ranges[0]!.through) throw new Error("PGlite reads a report as one range from its start or a key");
  let after = ranges[0]!.after;
  for (;;) {
    const page = await reportCsvPage(database, { ...query, limit: options.batchSize, ...(after ? { after } : {}) });
    if (page.rows === 0) return;
    after = page.last;
    yield { ...deflatePiece(finishReportCsv(page.text).text), rows: page.rows, ...(page.last ? { last: page.last } : {}) };
    if (page.rows < options.batchSize) return;
  }
}

async function* copyRanges(url: string, query: ReportQuery & { region: string }, ranges: KeyRange[], connections: number): AsyncIterable<RenderedBatch> {
  const opened: Database[] = [];
  const stop = async () => {
    // Stopped early (a failed upload, a lost claim): end the COPYs still streaming; their ranges
    // then fail, which nobody reads any more.
    await Promise.all(opened.map((c) => c.pg!.end({ timeout: 0 }).catch(() => {})));
  };
  try {
    for (let i = 0; i < Math.max(1, Math.min(connections, ranges.length)); i++) {
      const connection = connectPostgres(url, 1);
      opened.push(connection);
      // The SELECT's expressions make the planner's cost high enough to compile them (JIT), which
      // takes longer than rendering a few hundred thousand rows. COPY's filter values are string
      // literals (report-csv.ts): a backslash in them must stay a backslash, whatever the server's default.
      await connection.pg!`set jit = off`;
      await connection.pg!`set standard_conforming_strings = on`;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  yield* inRangeOrder(opened, ranges.length, (connection, seq, emit) => copyRange(connection, query, ranges[seq]!, emit), stop);
}

/** One range by COPY, emitted in pieces of about PIECE_BYTES. */
async function copyRange(connection: Database, query: ReportQuery & { region: string }, range: KeyRange, emit: (piece: RenderedBatch) => void): Promise<void> {
  const stream = await connection.pg!.unsafe(reportCsvCopySql({ ...query, range })).readable();
  let chunks: Buffer[] = [];
  let size = 0;
  const flush = (last?: EventKey) => {
    if (size === 0 && !last) return;
    const copied = Buffer.concat(chunks, size).toString("utf8");
    chunks = [];
    size = 0;
    const { text, rows } = finishReportCsv(copied);
    emit({ ...deflatePiece(text), rows, ...(last ? { last } : {}) });
  };
  // Flowing mode: the handler runs synchronously, so while a piece is compressed the socket is not
  // read and the server waits (backpressure without pause/resume, which can stall under Bun).
  stream.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= PIECE_BYTES) flush();
  });
  // Rejects on an error and on a stream closed before its end (a connection ended under it).
  await finished(stream);
  flush(range.through);
}
