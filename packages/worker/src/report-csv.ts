import { finished } from "node:stream/promises";
import { connectPostgres, type Database, type EventKey, finishReportCsv, type KeyRange, reportCsvCopySql, reportCsvPage } from "@activity-log/api/db";
import { deflatePiece } from "./gzip-join.ts";
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

interface Slot {
  pieces: RenderedBatch[];
  done: boolean;
  error?: unknown;
}

async function* copyRanges(url: string, query: ReportQuery & { region: string }, ranges: KeyRange[], connections: number): AsyncIterable<RenderedBatch> {
  const count = Math.max(1, Math.min(connections, ranges.length));
  const slots: Slot[] = ranges.map(() => ({ pieces: [], done: false }));
  let writing = 0;
  let dispatched = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const idle: Database[] = [];
  const opened: Database[] = [];
  const running: Promise<void>[] = [];

  const dispatch = () => {
    while (idle.length > 0 && dispatched < ranges.length && dispatched < writing + count + 1) {
      const connection = idle.pop()!;
      const seq = dispatched++;
      const slot = slots[seq]!;
      running.push(
        copyRange(connection, query, ranges[seq]!, slot, notify)
          .catch((error: unknown) => {
            slot.error = error;
          })
          .finally(() => {
            slot.done = true;
            idle.push(connection);
            dispatch();
            notify();
          }),
      );
    }
  };

  try {
    for (let i = 0; i < count; i++) {
      const connection = connectPostgres(url, 1);
      opened.push(connection);
      // The SELECT's expressions make the planner's cost high enough to compile them (JIT), which
      // takes longer than rendering a few hundred thousand rows. COPY's filter values are string
      // literals (report-csv.ts): a backslash in them must stay a backslash, whatever the server's default.
      await connection.pg!`set jit = off`;
      await connection.pg!`set standard_conforming_strings = on`;
      idle.push(connection);
    }
    dispatch();
    for (; writing < ranges.length; writing++) {
      const slot = slots[writing]!;
      for (;;) {
        if (slot.error) throw slot.error;
        const next = slot.pieces.shift();
        if (next) {
          yield next;
          continue;
        }
        if (slot.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      slots[writing] = { pieces: [], done: true };
      dispatch();
    }
  } finally {
    // Stopped early (a failed upload, a lost claim): end the COPYs still streaming; their ranges
    // then fail, which nobody reads any more.
    await Promise.all(opened.map((c) => c.pg!.end({ timeout: 0 }).catch(() => {})));
    await Promise.allSettled(running);
  }
}

/** One range by COPY into its slot, in pieces of about PIECE_BYTES. */
async function copyRange(connection: Database, query: ReportQuery & { region: string }, range: KeyRange, slot: Slot, notify: () => void): Promise<void> {
  const stream = await connection.pg!.unsafe(reportCsvCopySql({ ...query, range })).readable();
  let chunks: Buffer[] = [];
  let size = 0;
  const flush = (last?: EventKey) => {
    if (size === 0 && !last) return;
    const copied = Buffer.concat(chunks, size).toString("utf8");
    chunks = [];
    size = 0;
    const { text, rows } = finishReportCsv(copied);
    slot.pieces.push({ ...deflatePiece(text), rows, ...(last ? { last } : {}) });
    notify();
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
