/**
 * Password checks that a flood cannot turn into a CPU famine. argon2id costs ~100 ms of a core by
 * design, so (1) at most a few checks run at once, the rest wait in a short queue, and a full queue
 * is refused at once (retry shortly) rather than piling up; (2) names that do not exist cost no
 * argon2 at all: the answer waits as long as a real check takes, on a timer, so the timing still
 * does not tell which names exist.
 */
import { availableParallelism } from "node:os";
import { DomainError } from "@activity-log/core";

export interface PasswordGateOptions {
  /** Checks running at once; default the machine's cores (argon2 runs on Bun's thread pool). */
  concurrency?: number;
  /** Checks allowed to wait; beyond it, ThrottlingException until the queue drains. */
  queue?: number;
}

export interface PasswordGate {
  /** Verifies against the stored hash, or, with no hash (unknown name), waits as long as a check would. */
  verify(password: string, hash: string | null): Promise<boolean>;
  /** How long a check takes here, as measured (what an unknown name waits). */
  typicalMs(): number;
}

export function createPasswordGate(options: PasswordGateOptions = {}): PasswordGate {
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const maxQueue = options.queue ?? 64;
  let running = 0;
  const waiting: (() => void)[] = [];
  // A moving average of real checks; seeded by one measured hash at start.
  let typical = SEED_MS;

  const acquire = async () => {
    if (running < concurrency) {
      running++;
      return;
    }
    if (waiting.length >= maxQueue) {
      throw new DomainError("ThrottlingException", "Too many sign-ins are being checked right now. Try again in a moment.", { retryAfterSeconds: 1 });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return {
    async verify(password, hash) {
      if (hash === null) {
        await Bun.sleep(typical);
        return false;
      }
      await acquire();
      const started = performance.now();
      try {
        return await Bun.password.verify(password, hash).catch(() => false);
      } finally {
        typical = typical * 0.8 + (performance.now() - started) * 0.2;
        release();
      }
    },
    typicalMs: () => typical,
  };
}

const SEED_MS = await (async () => {
  const started = performance.now();
  await Bun.password.hash("activity-log-timing-seed");
  return performance.now() - started;
})();
