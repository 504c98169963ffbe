import type { SecretBox } from "./auth/secret-box.ts";
import type { Clock } from "./clock.ts";
import type { RateLimit } from "./cloudtrail/rate-limit.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { Logger } from "./logger.ts";
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
}
