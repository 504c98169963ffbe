import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createSecretBox, type SecretBox } from "./auth/secret-box.ts";
import type { Clock } from "./clock.ts";
import type { RateLimit, RateLimitStore } from "./cloudtrail/rate-limit.ts";
import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import type { Logger } from "./logger.ts";
import { createStorage } from "./storage/index.ts";
import type { ObjectStorage } from "./storage/object-store.ts";

/** Everything the app needs from outside; createApp takes it whole, so tests build it with real parts. */
export interface AppDeps {
  database: Database;
  storage: ObjectStorage;
  clock: Clock;
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  /** Per-account CloudTrail API rate; defaults to DEFAULT_RATE_LIMIT. */
  cloudtrailRateLimit?: RateLimit;
  /** Where that rate is counted (see rate-limit.ts); default `memory`, the edge uses `recorded-calls`. */
  cloudtrailRateLimitStore?: RateLimitStore;
  /** Per-session console API rate; defaults to DEFAULT_CONSOLE_RATE_LIMIT. */
  consoleRateLimit?: RateLimit;
}

/**
 * Opens everything the app and the worker need, from the configuration alone: the configured
 * database (migrated) unless one is given, object storage, the secret box.
 */
export async function openDeps(config: Config, parts: { logger: Logger; clock: Clock; database?: Database; boundQueries?: boolean }): Promise<AppDeps> {
  mkdirSync(config.dataDir, { recursive: true });
  // The API bounds every statement by QUERY_TIMEOUT_MS (callers shape its queries); the worker's
  // reports and archives legitimately read for minutes, so its pool has no bound.
  const statementTimeoutMs = parts.boundQueries ? config.queryTimeoutMs : undefined;
  const database =
    parts.database ??
    (await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl, poolSize: config.dbPoolSize, statementTimeoutMs } : { dataDir: join(config.dataDir, "pg") },
    ));
  const secrets = createSecretBox(config.secretKey);
  return { database, storage: createStorage(config, database, secrets), clock: parts.clock, config, logger: parts.logger, secrets };
}

/** Releases what openDeps opened: object-storage connections, then the database (unless `keepDatabase`). */
export async function closeDeps(deps: AppDeps, options: { keepDatabase?: boolean } = {}): Promise<void> {
  deps.storage.destroy();
  if (!options.keepDatabase) await deps.database.close();
}
