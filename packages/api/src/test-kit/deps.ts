import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, fixedClock } from "../clock.ts";
import type { RateLimit } from "../cloudtrail/rate-limit.ts";
import type { Database } from "../db/client.ts";
import { type AppDeps, closeDeps, openDeps } from "../deps.ts";
import { silentLogger } from "../logger.ts";
import { testConfig } from "./config.ts";
import { createTestDatabase } from "./database.ts";
import type { S3rverHandle } from "./s3rver.ts";

/** The instant tests start at, unless they set their own. */
export const T0 = new Date("2026-11-24T10:00:00Z");

export type TestDeps<C extends Clock = ReturnType<typeof fixedClock>> = AppDeps & { clock: C; dataDir: string; cleanup(): Promise<void> };

export interface TestDepsOptions<C extends Clock> {
  /** Default: a clock standing at T0. */
  clock?: C;
  /** Default: a fresh test database, dropped by cleanup(). A given one is left open. */
  database?: Database;
  /** Object storage: the service's own S3 server; default the local directory store in the test's data dir. */
  s3?: S3rverHandle;
  /** More environment for the configuration (the CloudTrail rate limit is not configurable: see cloudtrailRateLimit). */
  env?: Record<string, string | undefined>;
  /** Default: a fresh temporary directory, removed by cleanup(). A given one (another deps' dataDir) is left in place. */
  dataDir?: string;
  /** The CloudTrail API's per-account rate (AppDeps.cloudtrailRateLimit); default the service's. */
  cloudtrailRateLimit?: RateLimit;
  /** The console API's per-session rate (AppDeps.consoleRateLimit); default the service's. */
  consoleRateLimit?: RateLimit;
}

/**
 * Deps as the service builds them (openDeps over a configuration from the real loader), over a
 * fresh test database and a temporary data directory; cleanup() removes both (unless given).
 */
export async function createTestDeps<C extends Clock = ReturnType<typeof fixedClock>>(options: TestDepsOptions<C> = {}): Promise<TestDeps<C>> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "al-test-"));
  const config = testConfig(dataDir, { ...options.s3?.env, ...options.env });
  const database = options.database ?? (await createTestDatabase());
  const clock = (options.clock ?? fixedClock(T0)) as C;
  const deps = await openDeps(config, { logger: silentLogger, clock, database });
  if (options.cloudtrailRateLimit) deps.cloudtrailRateLimit = options.cloudtrailRateLimit;
  if (options.consoleRateLimit) deps.consoleRateLimit = options.consoleRateLimit;
  return {
    ...deps,
    clock,
    dataDir,
    async cleanup() {
      await closeDeps(deps, { keepDatabase: options.database !== undefined });
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
