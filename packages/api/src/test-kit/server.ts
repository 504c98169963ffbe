/**
 * A running service for API tests: deps from createTestDeps (object storage: the kit's s3rver, or
 * the local directory store), createApp, Bun.serve on a free loopback port. Tests talk to it with
 * real clients (@aws-sdk/client-cloudtrail, the aws CLI, fetch).
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { createApp } from "../app.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { RateLimit } from "../cloudtrail/rate-limit.ts";
import type { Database } from "../db/client.ts";
import { addToGroup, createAccessKey, createUser } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import type { ServerBindings } from "../source-ip.ts";
import { createProjectBucket } from "../trails/buckets.ts";
import { TEST_REGION } from "./config.ts";
import { createTestDeps, type TestDeps } from "./deps.ts";
import { ensureAccount } from "./fixtures.ts";
import { type S3rverHandle, startS3rver } from "./s3rver.ts";

/** createApp(deps) served on 127.0.0.1, on a free port. */
export function serveApp(deps: AppDeps): { url: string; stop(): Promise<void> } {
  const app = createApp(deps);
  // The socket peer goes in as server.ts hands it, so recorded addresses and sign-in budgets work as in production.
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => app.fetch(request, { remoteAddress: srv.requestIP(request)?.address } satisfies ServerBindings),
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

export interface TestServer {
  url: string;
  deps: TestDeps<Clock>;
  /** The s3rver behind object storage, or undefined for the local directory store. */
  s3?: S3rverHandle;
  dataDir: string;
  /**
   * Creates the bucket in object storage (as its owner would). With the local store, `owner` makes it
   * that project's (as `bun run admin -- bucket create` does); without one it belongs to nobody.
   * `owner.account` is the account's alias (the account is created if missing).
   */
  createBucket(bucket: string, owner?: { account: string; project?: string }): Promise<void>;
  /** Lets object storage know a key pair (s3rver's account registry; the local store knows all Active keys). */
  registerStorageKey(pair: { AccessKeyId: string; SecretAccessKey: string }): void;
  close(): Promise<void>;
}

export interface TestServerOptions {
  storage: "s3rver" | "local";
  /** Default: the system clock (clients sign with the real time). */
  clock?: Clock;
  /** Default: a fresh test database. A given one is left open by close(). */
  database?: Database;
  /** Default: high enough for tests that fire dozens of calls a second from one account. */
  cloudtrailRateLimit?: RateLimit;
  /** Default: high enough for tests that fire dozens of console calls a second from one session. */
  consoleRateLimit?: RateLimit;
  /** More environment for the configuration (e.g. TRUSTED_PROXIES). */
  env?: Record<string, string | undefined>;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const s3 = options.storage === "s3rver" ? await startS3rver() : undefined;
  const deps = await createTestDeps<Clock>({
    clock: options.clock ?? systemClock,
    database: options.database,
    s3,
    env: options.env,
    cloudtrailRateLimit: options.cloudtrailRateLimit ?? { ratePerSecond: 10_000, burst: 10_000 },
    consoleRateLimit: options.consoleRateLimit ?? { ratePerSecond: 10_000, burst: 10_000 },
  });
  const served = serveApp(deps);
  return {
    url: served.url,
    deps,
    s3,
    dataDir: deps.dataDir,
    async createBucket(bucket, owner) {
      if (s3 || !owner) return deps.storage.service().createBucket(bucket);
      const accountId = await ensureAccount(deps, owner.account);
      await createProjectBucket(deps, accountId, owner.project ?? "default", bucket);
    },
    registerStorageKey(pair) {
      s3?.addKey(pair.AccessKeyId, pair.SecretAccessKey);
    },
    async close() {
      await served.stop();
      await deps.cleanup();
      await s3?.close();
    },
  };
}

export interface TestUser {
  /** The account's 12-digit id. */
  accountId: string;
  alias: string;
  userName: string;
  project: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** An account named `alias` (created if new, id testAccountId(alias)) with a user, optionally in ActivityLogAdministrators, and a key pair. */
export async function createTestUser(
  server: Pick<TestServer, "deps" | "registerStorageKey">,
  alias: string,
  userName: string,
  options: { admin?: boolean; project?: string; registerInStorage?: boolean } = {},
): Promise<TestUser> {
  const db = server.deps.database.db;
  const project = options.project ?? "default";
  const accountId = await ensureAccount(server.deps, alias);
  await createUser(db, accountId, userName);
  if (options.admin ?? true) await addToGroup(db, accountId, userName, project);
  const pair = await createAccessKey(db, server.deps.secrets, accountId, userName, project);
  if (options.registerInStorage ?? true) server.registerStorageKey(pair);
  return { accountId, alias, userName, project, accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey };
}

/** A real CloudTrail client for a user; no retries, so every error reaches the test as sent. */
export function cloudTrailClient(
  server: Pick<TestServer, "url">,
  credentials: { accessKeyId: string; secretAccessKey: string },
  extra: { systemClockOffset?: number } = {},
): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: server.url,
    region: TEST_REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}
