/**
 * `@activity-log/api/runtime` — what a process of this service is made of, for the worker and
 * `bun run start`: configuration (the only reader of the environment), time, logging, secrets,
 * object storage, the event recorder, and the deps that bundle them.
 */

export { ConfigError, loadConfig } from "./config.ts";
export { type Clock, fixedClock, systemClock } from "./clock.ts";
export { createLogger } from "./logger.ts";
export { type AppDeps, closeDeps, openDeps } from "./deps.ts";
export { type ObjectStorage, type ObjectStore, type S3Credentials, StorageError } from "./storage/object-store.ts";
export { recordEvent } from "./record.ts";
export { keepRunningThroughDatabaseOutages } from "./process-guard.ts";
