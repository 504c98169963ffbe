/**
 * Admission for work a flood could pile up (sign-in lookups, password hashes): a few tasks run at
 * once and the rest wait, newest first. Under a flood the queue is mostly the flood's own requests,
 * so first-come-first-served would make a real user who arrives just after it wait for all of them;
 * newest-first serves them next. A full queue refuses its oldest waiter (ThrottlingException, retry
 * shortly): it has waited longest and is the likeliest to be abandoned already.
 */
import { DomainError } from "@activity-log/core";

export interface AdmissionOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait. */
  queue: number;
  /** What a refused caller is told. */
  busyMessage: string;
}

export interface Admission {
  run<T>(task: () => Promise<T>): Promise<T>;
}

type Waiter = { admit: () => void; refuse: (err: DomainError) => void };

export function createAdmission(options: AdmissionOptions): Admission {
  const concurrency = Math.max(1, options.concurrency);
  const busy = () => new DomainError("ThrottlingException", options.busyMessage, { retryAfterSeconds: 1 });
  let running = 0;
  const waiting: Waiter[] = [];

  const acquire = (): Promise<void> => {
    if (running < concurrency) {
      running++;
      return Promise.resolve();
    }
    if (options.queue <= 0) return Promise.reject(busy());
    return new Promise<void>((admit, refuse) => {
      if (waiting.length >= options.queue) waiting.shift()?.refuse(busy());
      waiting.push({ admit, refuse });
    });
  };
  // The running slot passes straight to the newest waiter.
  const release = () => {
    const next = waiting.pop();
    if (next) next.admit();
    else running--;
  };

  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
