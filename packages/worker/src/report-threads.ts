import type { KeyRange } from "@activity-log/api/db";
import type { RangeJob, RenderedBatch } from "./report-render.ts";
import type { FromThread, ToThread } from "./report-thread.ts";

/**
 * Key ranges rendered by a few Bun Workers at once and handed out in range order, so the report
 * is one ordered stream whatever thread finished first. A thread starts a range only while fewer
 * than `threads + 1` ranges are ahead of the one being written: memory stays bounded by the
 * compressed size of the ranges in flight.
 */
export async function* renderRangesInThreads(
  url: string,
  ranges: KeyRange[],
  job: Omit<RangeJob, "range" | "startsReport">,
  options: { threads: number; firstStartsReport: boolean },
): AsyncIterable<RenderedBatch> {
  const threadCount = Math.max(1, Math.min(options.threads, ranges.length));
  const maxAhead = threadCount + 1;
  interface Slot {
    batches: RenderedBatch[];
    done: boolean;
    error?: Error;
  }
  const slots: Slot[] = ranges.map(() => ({ batches: [], done: false }));
  let writing = 0; // the range being handed out
  let dispatched = 0; // ranges given to threads so far
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const idle: Worker[] = [];
  const threads: Worker[] = [];

  const dispatch = () => {
    while (idle.length > 0 && dispatched < ranges.length && dispatched < writing + maxAhead) {
      const thread = idle.pop()!;
      const seq = dispatched++;
      const message: ToThread = { type: "range", seq, job: { ...job, range: ranges[seq]!, startsReport: seq === 0 && options.firstStartsReport } };
      thread.postMessage(message);
    }
  };

  for (let i = 0; i < threadCount; i++) {
    const thread = new Worker(new URL("./report-thread.ts", import.meta.url).href);
    thread.onmessage = (event: MessageEvent<FromThread>) => {
      const m = event.data;
      if (m.type === "closed") return;
      const slot = slots[m.seq]!;
      if (m.type === "batch") slot.batches.push({ bytes: m.bytes, crc: m.crc, length: m.length, rows: m.rows, last: m.last });
      else {
        slot.done = true;
        if (m.type === "error") slot.error = new Error(m.message);
        idle.push(thread);
        dispatch();
      }
      notify();
    };
    thread.onerror = (event) => {
      // A thread that dies fails the range it held (and so the report); the others finish theirs.
      for (const slot of slots) if (!slot.done) slot.error ??= new Error(`report thread failed: ${event.message}`);
      notify();
    };
    thread.postMessage({ type: "init", url } satisfies ToThread);
    threads.push(thread);
    idle.push(thread);
  }

  try {
    dispatch();
    for (; writing < ranges.length; writing++) {
      const slot = slots[writing]!;
      for (;;) {
        if (slot.error) throw slot.error;
        const next = slot.batches.shift();
        if (next) {
          yield next;
          continue;
        }
        if (slot.done) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      slots[writing] = { batches: [], done: true }; // release what the range held
      dispatch();
    }
  } finally {
    await Promise.all(threads.map((t) => closeThread(t)));
  }
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
