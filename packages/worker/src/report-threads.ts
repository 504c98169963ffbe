import type { KeyRange } from "@activity-log/api/db";
import { inRangeOrder } from "./ordered-ranges.ts";
import type { RangeJob, RenderedBatch } from "./report-render.ts";
import type { FromThread, ToThread } from "./report-thread.ts";

/** A report thread and the range it is rendering, if any. */
interface Thread {
  worker: Worker;
  current?: { seq: number; emit: (batch: RenderedBatch) => void; settle: (error?: Error) => void };
  /** Why the thread died, once it has: it takes no more ranges. */
  failed?: Error;
}

/**
 * Key ranges rendered by a few Bun Workers at once and handed out in range order (inRangeOrder),
 * so the report is one ordered stream whatever thread finished first, with memory bounded by the
 * compressed size of the ranges in flight.
 */
export async function* renderRangesInThreads(
  url: string,
  ranges: KeyRange[],
  job: Omit<RangeJob, "range" | "startsReport">,
  options: { threads: number; firstStartsReport: boolean },
): AsyncIterable<RenderedBatch> {
  const threads: Thread[] = Array.from({ length: Math.max(1, Math.min(options.threads, ranges.length)) }, () => {
    const thread: Thread = { worker: new Worker(new URL("./report-thread.ts", import.meta.url).href) };
    thread.worker.onmessage = (event: MessageEvent<FromThread>) => {
      const m = event.data;
      const current = thread.current;
      if (m.type === "closed" || !current || m.seq !== current.seq) return;
      if (m.type === "batch") current.emit({ bytes: m.bytes, crc: m.crc, length: m.length, rows: m.rows, last: m.last });
      else current.settle(m.type === "error" ? new Error(m.message) : undefined);
    };
    thread.worker.onerror = (event) => {
      // A thread that dies fails the range it held (and so the report); the others finish theirs.
      thread.failed = new Error(`report thread failed: ${event.message}`);
      thread.current?.settle(thread.failed);
    };
    thread.worker.postMessage({ type: "init", url } satisfies ToThread);
    return thread;
  });

  const render = (thread: Thread, seq: number, emit: (batch: RenderedBatch) => void) =>
    new Promise<void>((resolve, reject) => {
      if (thread.failed) return reject(thread.failed);
      thread.current = {
        seq,
        emit,
        settle: (error) => {
          thread.current = undefined;
          if (error) reject(error);
          else resolve();
        },
      };
      const message: ToThread = { type: "range", seq, job: { ...job, range: ranges[seq]!, startsReport: seq === 0 && options.firstStartsReport } };
      thread.worker.postMessage(message);
    });

  const stop = async () => {
    await Promise.all(threads.map((t) => closeThread(t.worker)));
    // A range still rendering in a closed thread will never answer.
    for (const t of threads) t.current?.settle(new Error("report thread closed"));
  };

  yield* inRangeOrder(threads, ranges.length, render, stop);
}

/** Asks a thread to close its connection, then ends it (at once if it does not answer within 2 s). */
async function closeThread(thread: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    thread.onmessage = (event: MessageEvent<FromThread>) => {
      if (event.data.type === "closed") {
        clearTimeout(timer);
        resolve();
      }
    };
    thread.postMessage({ type: "close" } satisfies ToThread);
  });
  thread.terminate();
}
