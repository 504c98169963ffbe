import type { RenderedBatch } from "./report-render.ts";

/**
 * A report's key ranges rendered by a few renderers at once (report threads, COPY connections)
 * and handed out in range order, so the report is one ordered stream whatever renderer finished
 * first. A renderer starts a range only while it is at most as many ranges ahead of the one being
 * written as there are renderers: memory stays bounded by the compressed size of the ranges in
 * flight. A failed range fails the stream when its turn comes.
 *
 * On the way out (done, failed, or stopped early by the reader) `stop` ends the renderers; the
 * ranges still running must then settle (fail), and are waited for.
 */
export async function* inRangeOrder<R>(
  renderers: readonly R[],
  rangeCount: number,
  render: (renderer: R, seq: number, emit: (batch: RenderedBatch) => void) => Promise<void>,
  stop: () => Promise<void>,
): AsyncIterable<RenderedBatch> {
  interface Slot {
    batches: RenderedBatch[];
    done: boolean;
    error?: unknown;
  }
  const slots: Slot[] = Array.from({ length: rangeCount }, () => ({ batches: [], done: false }));
  let writing = 0; // the range being handed out
  let dispatched = 0; // ranges given to renderers so far
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const idle = [...renderers];
  const running: Promise<void>[] = [];
  let stopping = false;

  const dispatch = () => {
    while (!stopping && idle.length > 0 && dispatched < rangeCount && dispatched <= writing + renderers.length) {
      const renderer = idle.pop()!;
      const seq = dispatched++;
      const slot = slots[seq]!;
      const emit = (batch: RenderedBatch) => {
        slot.batches.push(batch);
        notify();
      };
      running.push(
        render(renderer, seq, emit)
          .catch((error: unknown) => {
            slot.error = error;
          })
          .finally(() => {
            slot.done = true;
            idle.push(renderer);
            dispatch();
            notify();
          }),
      );
    }
  };

  try {
    dispatch();
    for (; writing < rangeCount; writing++) {
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
    stopping = true;
    await stop();
    await Promise.allSettled(running);
  }
}
