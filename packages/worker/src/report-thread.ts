/**
 * A report thread (Bun Worker): renders the key ranges the worker's main thread hands it, on a
 * Postgres connection of its own, and posts each compressed batch back as it is done. The main
 * thread writes the batches in order; see report-threads.ts for the protocol.
 */
import { connectPostgres, type Database } from "@activity-log/api/db";
import { type RangeJob, renderRange } from "./report-render.ts";

export type ToThread = { type: "init"; url: string } | { type: "range"; seq: number; job: RangeJob } | { type: "close" };
export type FromThread =
  | { type: "batch"; seq: number; bytes: Uint8Array; crc: number; length: number; rows: number; last?: { time: string; id: string } }
  | { type: "done"; seq: number }
  | { type: "error"; seq: number; message: string }
  | { type: "closed" };

declare const self: Worker;
let database: Database | undefined;

const post = (m: FromThread, transfer?: Transferable[]) => self.postMessage(m, transfer ?? []);

self.onmessage = async (event: MessageEvent<ToThread>) => {
  const m = event.data;
  if (m.type === "init") {
    database = connectPostgres(m.url, 1);
    return;
  }
  if (m.type === "close") {
    await database?.close().catch(() => {});
    post({ type: "closed" });
    return;
  }
  try {
    for await (const b of renderRange(database!, m.job)) {
      post({ type: "batch", seq: m.seq, bytes: b.bytes, crc: b.crc, length: b.length, rows: b.rows, last: b.last }, [b.bytes.buffer as ArrayBuffer]);
    }
    post({ type: "done", seq: m.seq });
  } catch (error) {
    post({ type: "error", seq: m.seq, message: error instanceof Error ? error.message : String(error) });
  }
};
