/**
 * `@activity-log/api/test-kit` — the one set of test scaffolding every package's tests use: a fresh
 * database per test file (PGlite, or a database of its own on DATABASE_URL's server), deps built
 * the way the service builds them, the service's base app around routers under test, a running
 * server, one s3rver launcher, one event factory, fixtures, readers and errorOf.
 */
export { createTestDatabase } from "./database.ts";
export { TEST_INGEST_TOKEN, TEST_OPERATOR_TOKEN, TEST_REGION, testEnv } from "./config.ts";
export { createTestDeps, T0, type TestDeps } from "./deps.ts";
export { testApp, type TestApp } from "./app.ts";
export { cloudTrailClient, createTestUser, serveApp, startTestServer, type TestServer, type TestUser } from "./server.ts";
export { type S3rverHandle, startS3rver } from "./s3rver.ts";
export { ingest, testEvent, testIngestedEvent, testIngestEvent } from "./events.ts";
export { ensureAccount, seedAccount, seedAccountWithKey, seedTrail, testAccountId } from "./fixtures.ts";
export { readArchive, readObject } from "./objects.ts";
export { parseCsv } from "./csv.ts";
export { errorOf } from "./errors.ts";
export { type RawCallOptions, rawCloudTrailCall } from "./raw-cloudtrail.ts";
export { runAwsCli, skipWithoutAwsCli } from "./aws-cli.ts";
export { startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway-postgres.ts";
export { type ConsoleBrowser, consoleBrowser, operatorRequest } from "./console.ts";
