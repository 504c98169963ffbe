/**
 * Password checks that a flood cannot turn into a CPU famine. argon2id costs ~100 ms of a core by
 * design, so (1) at most a few checks run at once, the rest wait in a short queue served newest
 * first, and a full queue refuses its oldest waiter (retry shortly) rather than piling up; (2) names that do not exist cost no
 * argon2 at all: the answer waits as long as a real check takes, on a timer, so the timing still
 * does not tell which names exist.
 */
import { availableParallelism } from "node:os";
import { createAdmission } from "./admission.ts";

export interface PasswordGateOptions {
  /** Checks running at once; default the machine's cores (argon2 runs on Bun's thread pool). */
  concurrency?: number;
  /** Checks allowed to wait; beyond it, the oldest waiter gets ThrottlingException. */
  queue?: number;
}

export interface PasswordGate {
  /** Verifies against the stored hash, or, with no hash (unknown name), waits as long as a check would. */
  verify(password: string, hash: string | null): Promise<boolean>;
  /** How long a check takes here, as measured (what an unknown name waits). */
  typicalMs(): number;
}

export function createPasswordGate(options: PasswordGateOptions = {}): PasswordGate {
  const admission = createAdmission({
    concurrency: options.concurrency ?? availableParallelism(),
    queue: options.queue ?? 64,
    busyMessage: "Too many sign-ins are being checked right now. Try again in a moment.",
  });
  // A moving average of real checks; seeded by one measured hash at start.
  let typical = SEED_MS;

  return {
    async verify(password, hash) {
      if (hash === null) {
        await Bun.sleep(typical);
        return false;
      }
      return admission.run(async () => {
        const started = performance.now();
        try {
          return await Bun.password.verify(password, hash).catch(() => false);
        } finally {
          typical = typical * 0.8 + (performance.now() - started) * 0.2;
        }
      });
    },
    typicalMs: () => typical,
  };
}

const SEED_MS = await (async () => {
  const started = performance.now();
  await Bun.password.hash("activity-log-timing-seed");
  return performance.now() - started;
})();
